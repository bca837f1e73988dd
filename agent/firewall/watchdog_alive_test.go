package firewall

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestWatchdogAliveCannotBeSpoofed: after a pid reuse, a process that
// imitates the watchdog's command line, or runs the agent binary but
// started later, or as another user, is not taken for the watchdog: a
// run would otherwise wait for a rollback nobody makes, and a confirm
// would signal a stranger.
func TestWatchdogAliveCannotBeSpoofed(t *testing.T) {
	tx, env, _ := fakeTxn(t, "old\n")
	p, err := applyLocked(tx, env, "")
	if err != nil {
		t.Fatal(err)
	}
	if !watchdogAlive(p) {
		t.Fatalf("the real watchdog %+v not taken for alive", p.Watchdog)
	}
	// The imposter's command line reads like the watchdog's (the trailing
	// ":" keeps sh from exec'ing sleep, which would drop it) and it
	// ignores SIGTERM, as a process blocking every later run would.
	imposter := exec.Command("sh", "-c", `trap "" TERM; sleep 30; :`, "firewall-watchdog", "--id", p.ID)
	if err := imposter.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { imposter.Process.Kill(); imposter.Wait() })
	waitProc(t, imposter.Process.Pid, func(string) bool { return cmdlineAlive(imposter.Process.Pid, p.ID) })

	real := *p.Watchdog
	fake, err := readProc(imposter.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	for name, id := range map[string]procID{
		"the watchdog's command line, another executable": {PID: fake.PID, Start: fake.Start, Dev: real.Dev, Ino: real.Ino, UID: real.UID},
		"the agent binary, started at another time":       {PID: real.PID, Start: real.Start + 1, Dev: real.Dev, Ino: real.Ino, UID: real.UID},
		"the agent binary, another uid":                   {PID: real.PID, Start: real.Start, Dev: real.Dev, Ino: real.Ino, UID: real.UID + 1},
	} {
		q := *p
		q.WatchdogPID, q.Watchdog = id.PID, &id
		if watchdogAlive(&q) {
			t.Errorf("%s: taken for the watchdog", name)
		}
	}
	// A confirm that finds such a record signals nobody.
	q := *p
	q.WatchdogPID, q.Watchdog = fake.PID, &procID{PID: fake.PID, Start: fake.Start, Dev: real.Dev, Ino: real.Ino, UID: real.UID}
	if err := stopWatchdog(&q, 100*time.Millisecond); err != nil || imposter.ProcessState != nil || syscall.Kill(fake.PID, 0) != nil {
		t.Errorf("stopWatchdog of a record the imposter matches only by pid: %v; imposter gone", err)
	}
	// The real one ignores SIGTERM while its change is pending (once its
	// handler is set: it announces its pid after): killed.
	waitLog(t, watchdogPIDFile(tx.dir, p.ID), strconv.Itoa(p.WatchdogPID))
	if err := stopWatchdog(p, 200*time.Millisecond); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Errorf("stopWatchdog of a watchdog whose change is pending = %v, want it killed", err)
	}
	waitWatchdog(t, p, false)
}

// TestOlderPendingWatchdogNeedsOurUID: a pending.json of an older agent
// records only the pid; its command line is then checked, and the uid,
// which a local user cannot imitate.
func TestOlderPendingWatchdogNeedsOurUID(t *testing.T) {
	testenv.RequireRoot(t)
	id := newID()
	for _, uid := range []uint32{0, 65534} {
		cmd := exec.Command("sh", "-c", `sleep 30; :`, "firewall-watchdog", "--id", id)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: uid}}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		pid := cmd.Process.Pid
		waitProc(t, pid, func(cmdline string) bool { return strings.Contains(cmdline, "firewall-watchdog") })
		if got := watchdogAlive(&pending{ID: id, WatchdogPID: pid}); got != (uid == 0) {
			t.Errorf("a command line like the watchdog's, uid %d: alive = %v", uid, got)
		}
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// waitProc waits until ok is true of pid's command line (sh has exec'd).
func waitProc(t *testing.T, pid int, ok func(cmdline string) bool) {
	t.Helper()
	for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline")
		if ok(string(b)) {
			return
		}
	}
	t.Fatalf("pid %d never got the expected command line", pid)
}
