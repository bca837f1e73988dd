//go:build unix

package crash

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"runtime/debug"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Supervise runs this same program with args as its child, with the
// process's standard streams, and waits for it. Signals sent to the
// supervisor reach the child once: SIGTERM and SIGHUP always, SIGINT and
// SIGQUIT unless they came from the terminal, which sends them to the
// child itself. The caller exits with the outcome's code (or ExitInternal
// when it Crashed).
func Supervise(args []string) (Outcome, error) {
	self := selfPath
	if self == "" {
		var err error
		if self, err = os.Executable(); err != nil {
			return Outcome{}, fmt.Errorf("%w: %w", ErrNotStarted, err)
		}
	}
	crashR, crashW, err := os.Pipe()
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	notesR, notesW, err := os.Pipe()
	if err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	cmd := exec.Command(self, args[1:]...)
	cmd.Args = args
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.ExtraFiles = []*os.File{crashW, notesW} // fds 3 and 4
	cmd.Env = append(os.Environ(), supervisedEnv+"="+protocol)
	cmd.SysProcAttr = childAttr()
	// Signals are caught before the child exists, so none is lost in
	// between; the child's death signal is tied to this thread.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP, syscall.SIGQUIT)
	defer signal.Stop(sigs)
	runtime.LockOSThread()
	if err := cmd.Start(); err != nil {
		return Outcome{}, fmt.Errorf("%w: %w", ErrNotStarted, err)
	}
	crashW.Close()
	notesW.Close()

	var wg sync.WaitGroup
	var out Outcome
	wg.Go(func() { out.Crash = readCrash(crashR) })
	wg.Go(func() { out.Notes = readNotes(notesR) })
	done := make(chan struct{})
	go func() {
		for {
			select {
			case s := <-sigs:
				if (s == syscall.SIGINT || s == syscall.SIGQUIT) && fromTerminal() {
					continue
				}
				cmd.Process.Signal(s)
			case <-done:
				return
			}
		}
	}()
	werr := cmd.Wait()
	close(done)
	// The child's descriptors are marked close-on-exec (childSetup), so
	// the pipes end with it, not with whatever it started.
	wg.Wait()
	out.Crashed = out.Crash != ""
	var ee *exec.ExitError
	switch {
	case werr == nil:
	case errors.As(werr, &ee):
		ws, _ := ee.Sys().(syscall.WaitStatus)
		out.Code = ws.ExitStatus()
		if ws.Signaled() {
			out.Signal, out.Code = ws.Signal(), 128+int(ws.Signal())
		}
	default:
		return out, fmt.Errorf("supervisor: waiting for ck8sctl: %w", werr)
	}
	return out, nil
}

// DieLike ends this process the way the child ended when a signal killed
// it, so that a shell sees the same (an interrupted pipeline stops).
func DieLike(o Outcome) {
	s, ok := o.Signal.(syscall.Signal)
	if !ok {
		return
	}
	signal.Reset(s)
	syscall.Kill(os.Getpid(), s)
}

// fromTerminal reports whether this process is in its terminal's
// foreground process group, where the terminal's ^C and ^\ reach every
// process, the child included.
func fromTerminal() bool {
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	pgrp, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && pgrp == unix.Getpgrp()
}

func childSetup(out, notes *os.File) error {
	// Inherited descriptors are not close-on-exec: without this an ssh
	// ProxyCommand started by the child would hold the pipes open.
	syscall.CloseOnExec(int(out.Fd()))
	syscall.CloseOnExec(int(notes.Fd()))
	if err := debug.SetCrashOutput(out, debug.CrashOptions{}); err != nil {
		return err
	}
	return out.Close() // SetCrashOutput keeps its own duplicate
}
