// Package readfile reads the files a user names (identity files, ssh_config,
// known_hosts, CA bundles, playbooks): only regular files, and never more
// than a limit. A device such as /dev/zero reports size 0 and never ends, a
// FIFO blocks the open until a writer comes, and a directory fails late
// with a confusing message; each is refused here, before anything is read.
package readfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

var (
	// ErrNotRegular: the path is a directory, device, FIFO or socket.
	ErrNotRegular = errors.New("not a regular file")
	// ErrTooLarge: the file holds more than the caller's limit.
	ErrTooLarge = errors.New("file too large")
)

// Open opens path for reading if it is a regular file. O_NONBLOCK keeps a
// FIFO from blocking the open; the type is checked on the opened file, so
// that it cannot change in between.
func Open(path string) (*os.File, fs.FileInfo, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err == nil {
		err = regular(path, fi)
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// Regular reads the regular file at path, at most limit bytes: a larger
// one is ErrTooLarge, naming the limit.
func Regular(path string, limit int64) ([]byte, error) {
	f, _, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return All(f, path, limit)
}

// All reads r to its end, failing with ErrTooLarge past limit bytes.
func All(r io.Reader, path string, limit int64) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s: %w: more than the limit of %s", path, ErrTooLarge, Size(limit))
	}
	return data, nil
}

// Check stats path (following links) and refuses anything but a regular
// file of at most limit bytes, for files a library opens by name itself
// (known_hosts). A missing file is the os error, errors.Is fs.ErrNotExist.
func Check(path string, limit int64) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if err := regular(path, fi); err != nil {
		return err
	}
	if fi.Size() > limit {
		return fmt.Errorf("%s: %w: %d bytes, more than the limit of %s", path, ErrTooLarge, fi.Size(), Size(limit))
	}
	return nil
}

func regular(path string, fi fs.FileInfo) error {
	if fi.Mode().IsRegular() {
		return nil
	}
	return fmt.Errorf("%s: %w (%s)", path, ErrNotRegular, kind(fi.Mode()))
}

func kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	}
	return "type " + m.Type().String()
}

// Size prints a byte count the way limits are written: 1 MiB, 16 KiB, 100 bytes.
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
