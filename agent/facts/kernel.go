package facts

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// kernel reads what uname(2) says from /proc/sys/kernel under root, so a
// fake root is honoured; on the real root it falls back to the syscall.
func (s *Step) kernel(root string) (k facts.Kernel, hostname, machine string, err error) {
	read := func(name string) (string, error) {
		b, err := os.ReadFile(filepath.Join(root, "proc/sys/kernel", name))
		return strings.TrimSpace(string(b)), err
	}
	var errs [4]error
	k.Name, errs[0] = read("ostype")
	k.Release, errs[1] = read("osrelease")
	k.Version, errs[2] = read("version")
	hostname, errs[3] = read("hostname")
	err = errors.Join(errs[:]...)
	if filepath.Clean(root) == "/" && s.Uname != nil {
		uk, m, uerr := s.Uname()
		if err != nil && uerr == nil {
			return uk, nodename(), m, nil
		}
		machine = m
	}
	if err != nil {
		return k, hostname, machine, fmt.Errorf("reading kernel facts: %w", err)
	}
	return k, hostname, machine, nil
}

func uname() (facts.Kernel, string, error) {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return facts.Kernel{}, "", fmt.Errorf("uname: %w", err)
	}
	return facts.Kernel{
		Name:    unix.ByteSliceToString(u.Sysname[:]),
		Release: unix.ByteSliceToString(u.Release[:]),
		Version: unix.ByteSliceToString(u.Version[:]),
	}, unix.ByteSliceToString(u.Machine[:]), nil
}

func nodename() string {
	h, _ := os.Hostname()
	return h
}
