package firewall

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestSessionKilledWatchdogRollsBack: the agent runs in a session of its
// own, as sshd starts a login's command, and right after firewall.applied
// every process of that session is SIGKILLed, as logind's
// KillUserProcesses or `loginctl terminate-session` would (where systemd
// does not run, as here, the watchdog's own session is what saves it).
// The rules are back by the deadline.
func TestSessionKilledWatchdogRollsBack(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		in, err := h.plan(false, 2*time.Second, 80, 443).Encode()
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(agent, "run")
		cmd.Stdin = bytes.NewReader(in)
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		id := awaitApplied(t, out)
		// The wait is on the monotonic clock, as the watchdog's is (on
		// CLOCK_BOOTTIME): the wall clock of a loaded VM can be stepped
		// forward meanwhile, which once ended a wait on the recorded wall
		// deadline before the watchdog's own had come.
		end := time.Now().Add(time.Until(h.pending().Deadline) + time.Second)
		killSession(t, cmd.Process.Pid)
		cmd.Wait()
		if h.state() == "" || len(h.watchdogs()) != 1 {
			t.Fatalf("after the session was killed: watchdogs %v, state empty: %v", h.watchdogs(), h.state() == "")
		}
		for time.Now().Before(end) && h.result(id) == nil {
			time.Sleep(20 * time.Millisecond)
		}
		if r := h.result(id); r == nil || r.State != StateRolledBack {
			t.Fatalf("no rollback within a second of the deadline: result %+v", r)
		}
		if s := h.state(); s != "" {
			t.Errorf("the rules stayed after the session was killed:\n%s", s)
		}
		h.waitNoWatchdog()
		if t.Failed() {
			t.Logf("agent stderr:\n%s", stderr.String())
		}
	})
}

// killSession SIGKILLs every process of session sid until none is left.
func killSession(t *testing.T, sid int) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		left := sessionMembers(sid)
		if len(left) == 0 {
			return
		}
		for _, pid := range left {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	t.Fatalf("processes of session %d survive SIGKILL: %v", sid, sessionMembers(sid))
}

// sessionMembers lists the live processes whose session id is sid
// (field 6 of /proc/PID/stat).
func sessionMembers(sid int) []int {
	var pids []int
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range stats {
		b, err := os.ReadFile(f)
		i := bytes.LastIndexByte(b, ')')
		if err != nil || i < 0 {
			continue
		}
		fields := strings.Fields(string(b[i+1:]))
		if len(fields) > 3 && fields[0] != "Z" && fields[3] == strconv.Itoa(sid) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			pids = append(pids, pid)
		}
	}
	return pids
}
