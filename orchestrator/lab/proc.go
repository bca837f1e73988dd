package lab

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/internal/procowner"
)

// proc is a process the lab starts and owns. Its pid file is written the
// moment it starts, so even a crashed Up leaves Down a record. The record
// holds the pid and its start time, and a pid is trusted only while that
// process has that start time, so a reused pid is never signalled. The
// marker is not enough for that: /proc/PID/cmdline reads empty for an
// instant at each exec (ip → unshare → sh → sshd) and while sshd rewrites
// its title, and a live sshd judged gone there was replaced by a second
// one that could not bind.
type proc struct {
	name    string // "sshd", "decoys" or "dns", for messages
	pidFile string
	// marker identifies the process: sshd rewrites its argv (proctitle) but
	// keeps its config path in it; the decoys get it in their environment.
	marker string
	// env is added to the process's environment besides the marker.
	env []string
}

const markerEnv = "CK8S_LAB_PROC="

func sshdConfigPath(dir string, h Host) string {
	return filepath.Join(hostDir(dir, h.Name), "sshd_config")
}

func sshdProc(dir string, h Host) proc {
	return proc{name: "sshd", pidFile: filepath.Join(hostDir(dir, h.Name), "sshd.pid"), marker: sshdConfigPath(dir, h)}
}

func decoysProc(dir string, h Host) proc {
	pf := filepath.Join(hostDir(dir, h.Name), "decoys.pid")
	return proc{name: "decoys", pidFile: pf, marker: markerEnv + pf}
}

// pid returns the recorded pid if that process is alive and still ours, else 0.
func (p proc) pid() int {
	t, ok := p.recorded()
	if !ok {
		return 0
	}
	return t.pid
}

// recorded returns the process the pid file names, if it is alive and
// still ours.
func (p proc) recorded() (target, bool) {
	b, err := os.ReadFile(p.pidFile)
	if err != nil {
		return target{}, false
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return target{}, false
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil || pid <= 1 {
		return target{}, false
	}
	t := p.target(pid, f[1:])
	return t, t.ours(pid)
}

// runningIn reports whether the recorded process runs in network namespace
// ns. One running elsewhere is stopped: after a host's namespace was deleted
// and made anew, its old sshd lives on in the orphaned one and must be
// replaced, not kept.
func (p proc) runningIn(ns string) (bool, error) {
	pid := p.pid()
	if pid == 0 {
		return false, nil
	}
	want, ok1 := statID(filepath.Join("/run/netns", ns))
	got, ok2 := statID(fmt.Sprintf("/proc/%d/ns/net", pid))
	if ok1 && ok2 && want == got {
		return true, nil
	}
	return false, p.stop()
}

// target is pid with the identity recorded beside it: its start time, or
// for a record written before start times were (one field), the marker.
func (p proc) target(pid int, recorded []string) target {
	if len(recorded) == 0 {
		return target{pid, func(pid int) bool { return isOurs(pid, p.marker) }}
	}
	return target{pid, func(pid int) bool {
		return running(pid) && strconv.FormatUint(procowner.StartTime(pid), 10) == recorded[0]
	}}
}

// running reports whether pid exists and is not a zombie.
func running(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may hold spaces.
	i := bytes.LastIndexByte(stat, ')')
	return i > 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// isOurs reports whether pid runs and carries marker in its command line or
// environment.
func isOurs(pid int, marker string) bool {
	if !running(pid) {
		return false
	}
	m := []byte(marker)
	for _, f := range []string{"cmdline", "environ"} {
		if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, f)); err == nil && bytes.Contains(b, m) {
			return true
		}
	}
	return false
}

// start runs argv detached: own session and process group, stdin /dev/null,
// output appended to logFile. It does not use a context: the process must
// outlive Up. The returned channel closes when the process exits while this
// program still runs; the goroutine behind it also reaps it, so a killed
// process never lingers as a zombie of a long-running test binary.
func (p proc) start(argv []string, logFile string) (int, <-chan struct{}, error) {
	out, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return 0, nil, fmt.Errorf("starting %s: %w", p.name, err)
	}
	defer out.Close()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Env = append(append(os.Environ(), markerEnv+p.pidFile), p.env...)
	cmd.SysProcAttr = detached()
	if err := cmd.Start(); err != nil {
		return 0, nil, fmt.Errorf("starting %s: %w", p.name, err)
	}
	pid := cmd.Process.Pid
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	// The child is not reaped before Wait, so its start time is readable.
	record := fmt.Sprintf("%d %d\n", pid, procowner.StartTime(pid))
	if err := os.WriteFile(p.pidFile, []byte(record), 0o644); err != nil {
		_ = cmd.Process.Kill()
		return 0, nil, fmt.Errorf("recording %s pid: %w", p.name, err)
	}
	return pid, exited, nil
}

// stop terminates the recorded process if it is still ours and removes the
// pid file. Not running is success.
func (p proc) stop() error {
	if t, ok := p.recorded(); ok {
		if err := terminate([]target{t}); err != nil {
			return fmt.Errorf("stopping %s (pid %d): %w", p.name, t.pid, err)
		}
	}
	if err := os.Remove(p.pidFile); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// target is a pid and how to tell it is still the process meant.
type target struct {
	pid  int
	ours func(pid int) bool
}

// terminate sends SIGTERM to all targets at once, then SIGKILL to those left
// after a grace period, and waits until all are gone. ours is rechecked
// before each signal, so a pid reused meanwhile is left alone.
func terminate(ts []target) error {
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGKILL} {
		var errs []error
		for _, t := range ts {
			if t.ours(t.pid) {
				if err := kill(t.pid, sig); err != nil {
					errs = append(errs, fmt.Errorf("signalling pid %d: %w", t.pid, err))
				}
			}
		}
		if len(errs) > 0 {
			return errors.Join(errs...)
		}
		for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			ts = alive(ts)
			if len(ts) == 0 {
				return nil
			}
			if time.Now().After(deadline) {
				break
			}
		}
	}
	return fmt.Errorf("pid %d still running after SIGKILL", ts[0].pid)
}

func alive(ts []target) []target {
	var left []target
	for _, t := range ts {
		if t.ours(t.pid) {
			left = append(left, t)
		}
	}
	return left
}

// SSHDPID and DecoysPID return the pid of h's sshd or decoy listener as the
// lab recorded it, or 0 when that process is gone (or the pid was reused):
// for tests that must enter a host's namespaces or name its processes.
func (l *Lab) SSHDPID(h Host) int { return sshdProc(l.Dir, h).pid() }

// DecoysPID: see SSHDPID.
func (l *Lab) DecoysPID(h Host) int { return decoysProc(l.Dir, h).pid() }
