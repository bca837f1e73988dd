package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// launcher starts a change's watchdog where nothing that ends the agent's
// SSH session can end it too. Where systemd runs, that is a transient
// unit of its own: logind's KillUserProcesses and `loginctl
// terminate-session` kill every process in the session's cgroup, whatever
// session or process group it has moved to. Elsewhere it is a detached
// process (setsid: no SIGHUP when the session ends, no pipe holding it).
type launcher struct {
	self, stateDir string
	// systemd reports whether systemd is the init system; sdBooted on a
	// host, a stub in tests.
	systemd func() bool
	// announceWait bounds the wait for a watchdog in a unit to say its pid.
	announceWait time.Duration
}

// sdBooted is sd_booted(3): systemd runs as init when /run/systemd/system
// is a directory.
func sdBooted() bool {
	fi, err := os.Lstat("/run/systemd/system")
	return err == nil && fi.IsDir()
}

// started is a running watchdog.
type started struct {
	proc procID
	unit string // its systemd unit; "" when detached
	note string // why it runs detached where systemd runs
}

// String says how the watchdog runs, for the step's events.
func (s started) String() string {
	how := fmt.Sprintf("detached process (pid %d)", s.proc.PID)
	if s.unit != "" {
		how = fmt.Sprintf("systemd unit %s (pid %d)", s.unit, s.proc.PID)
	}
	if s.note != "" {
		how += "; " + s.note
	}
	return how
}

// start starts the watchdog of change id; when systemd-run fails it
// falls back to the detached process and says so in the note.
func (l launcher) start(id string) (started, error) {
	if !l.systemd() {
		return l.detach(id)
	}
	s, err := l.unit(id)
	if err == nil {
		return s, nil
	}
	s, derr := l.detach(id)
	s.note = "systemd-run failed, detached with setsid instead: " + err.Error()
	return s, derr
}

// unitName is the transient unit of change id's watchdog.
func unitName(id string) string { return "ck8s-rollback-" + id }

// unit starts the watchdog as a transient system service. Type=exec makes
// systemd-run return only once the agent binary runs; Restart=on-failure
// brings back a watchdog that crashed or was OOM-killed (a new one picks
// up the same pending.json). systemd-run does not say the pid: the
// watchdog writes it itself (announce).
func (l launcher) unit(id string) (started, error) {
	pidFile := watchdogPIDFile(txnDir(l.stateDir), id)
	_ = os.Remove(pidFile)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "systemd-run", "--unit="+unitName(id), "--collect", "--quiet",
		"--description=ck8s firewall rollback of change "+id,
		"--property=Type=exec", "--property=Restart=on-failure", "--property=RestartSec=1s",
		l.self, "firewall-watchdog", "--state-dir", l.stateDir, "--id", id)
	cmd.Dir = "/"
	if out, err := cmd.CombinedOutput(); err != nil {
		return started{}, fmt.Errorf("systemd-run: %w: %s", err, bytes.TrimSpace(out))
	}
	pid, err := l.awaitPID(pidFile)
	if err != nil {
		return started{}, fmt.Errorf("unit %s: %w", unitName(id), err)
	}
	p, err := l.verify(pid)
	return started{proc: p, unit: unitName(id) + ".service"}, err
}

// awaitPID waits for the pid a watchdog announces in file.
func (l launcher) awaitPID(file string) (int, error) {
	for end := time.Now().Add(l.announceWait); ; time.Sleep(10 * time.Millisecond) {
		b, err := os.ReadFile(file)
		if err == nil {
			return strconv.Atoi(strings.TrimSpace(string(b)))
		}
		if !errors.Is(err, os.ErrNotExist) || time.Now().After(end) {
			return 0, fmt.Errorf("the watchdog never announced its pid in %s within %s: %w", file, l.announceWait, err)
		}
	}
}

// detach starts the watchdog in its own session, stdin /dev/null and
// output to a log file, so no pipe ties it to the agent's connection
// (sshd would wait for the pipe and the session would never close).
func (l launcher) detach(id string) (started, error) {
	logf, err := os.OpenFile(watchdogLog(txnDir(l.stateDir), id), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return started{}, fmt.Errorf("starting the rollback watchdog: %w", err)
	}
	defer logf.Close()
	cmd := exec.Command(l.self, "firewall-watchdog", "--state-dir", l.stateDir, "--id", id)
	cmd.Dir = "/"
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil { // returns once the binary runs
		return started{}, fmt.Errorf("starting the rollback watchdog: %w", err)
	}
	// Reap it if it ends while this process lives, so that it does not
	// linger as a zombie; if this process dies first, init adopts it.
	go cmd.Wait()
	p, err := l.verify(cmd.Process.Pid)
	return started{proc: p}, err
}

// verify records pid's identity, checking that it runs the agent binary
// as our uid: what watchdogAlive later compares with.
func (l launcher) verify(pid int) (procID, error) {
	p, err := readProc(pid)
	if err != nil {
		return procID{}, fmt.Errorf("the rollback watchdog (pid %d) is not running: %w", pid, err)
	}
	dev, ino, err := fileID(l.self)
	if err != nil {
		return procID{}, fmt.Errorf("the agent binary: %w", err)
	}
	if p.Dev != dev || p.Ino != ino || p.UID != os.Geteuid() {
		return procID{}, fmt.Errorf("pid %d is not the rollback watchdog: it runs another executable or uid %d", pid, p.UID)
	}
	return p, nil
}
