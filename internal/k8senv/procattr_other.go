//go:build !linux

package k8senv

import "syscall"

// groupAttr: off Linux there is no parent-death signal; the components
// (which need Linux anyway) are stopped by the test's cleanup.
func groupAttr() *syscall.SysProcAttr { return &syscall.SysProcAttr{Setpgid: true} }
