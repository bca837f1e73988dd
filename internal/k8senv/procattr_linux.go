package k8senv

import "syscall"

// groupAttr starts a component in its own process group, killed with the
// test process if that dies first.
func groupAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
