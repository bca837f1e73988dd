package main

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// gatedRoot returns a copy of the fixture host whose etc/os-release is a
// FIFO: the facts step blocks reading it, holding the run (and its host
// lock) mid-step until open is called. No test hook in the agent needed.
func gatedRoot(t *testing.T) (root string, open func()) {
	t.Helper()
	root = t.TempDir()
	if err := os.CopyFS(root, os.DirFS(fixtureRoot(t))); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(root, "etc/os-release")
	content, err := os.ReadFile(fifo)
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(fifo)
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	return root, func() {
		t.Helper()
		f := openWriter(t, fifo)
		defer f.Close()
		if _, err := f.Write(content); err != nil {
			t.Fatal(err)
		}
	}
}

// openWriter opens the FIFO for writing once the agent reads it; without a
// reader a non-blocking open fails with ENXIO, so it polls, bounded.
func openWriter(t *testing.T, fifo string) *os.File {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		fd, err := unix.Open(fifo, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		if err == nil {
			unix.SetNonblock(fd, false)
			return os.NewFile(uintptr(fd), fifo)
		}
		if !errors.Is(err, unix.ENXIO) || time.Now().After(deadline) {
			t.Fatalf("opening %s for writing: %v", fifo, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
