package firewall

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// fakeSystemdRun puts a systemd-run on PATH that records its arguments,
// one a line, in the returned file and starts the command after its
// options in a new session, as systemd would start it outside the
// caller's; with fail set it refuses, as a systemd-run without the right
// to start units does.
func fakeSystemdRun(t *testing.T, fail bool) string {
	t.Helper()
	testenv.RequireCommand(t, "setsid")
	dir := t.TempDir()
	args := filepath.Join(dir, "args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$@\" > " + args + "\n"
	if fail {
		script += "echo 'Failed to start transient service unit: Access denied' >&2\nexit 1\n"
	} else {
		script += "while [ $# -gt 0 ]; do case $1 in --*) shift;; *) break;; esac; done\n" +
			"exec setsid -f \"$@\" </dev/null >/dev/null 2>&1\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "systemd-run"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return args
}

// TestWatchdogGetsItsOwnUnitUnderSystemd: where systemd runs, the
// watchdog is a transient unit of its own, named for the change, running
// the agent's watchdog command; it is found by the pid it announces and
// stopped by the confirm.
func TestWatchdogGetsItsOwnUnitUnderSystemd(t *testing.T) {
	args := fakeSystemdRun(t, false)
	tx, env, _ := fakeTxn(t, "old\n")
	tx.launch.systemd = func() bool { return true }
	p, err := applyLocked(tx, env, "")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(args)
	if err != nil {
		t.Fatalf("systemd-run was not called: %v", err)
	}
	got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	want := []string{"--unit=ck8s-rollback-" + p.ID, "--collect", "--quiet",
		"--description=ck8s firewall rollback of change " + p.ID,
		"--property=Type=exec", "--property=Restart=on-failure", "--property=RestartSec=1s",
		tx.self, "firewall-watchdog", "--state-dir", tx.stateDir, "--id", p.ID}
	if !slices.Equal(got, want) {
		t.Errorf("systemd-run arguments\n%q\nwant\n%q", got, want)
	}
	if p.WatchdogUnit != "ck8s-rollback-"+p.ID+".service" || !watchdogAlive(p) {
		t.Errorf("pending: unit %q, watchdog %+v alive %v", p.WatchdogUnit, p.Watchdog, watchdogAlive(p))
	}
	if !strings.HasPrefix(tx.rep.Watchdog, "systemd unit ck8s-rollback-"+p.ID+".service (pid ") {
		t.Errorf("report: watchdog %q", tx.rep.Watchdog)
	}
	if r, err := Confirm(context.Background(), tx.stateDir, p.ID, time.Now); err != nil || len(r.Warnings) > 0 {
		t.Fatalf("confirm: %+v, %v", r, err)
	}
	waitWatchdog(t, p, false)
}

// TestWatchdogDetachedWhenSystemdRunFails: a systemd-run that fails does
// not leave the change unguarded: the watchdog is detached as where
// systemd does not run, and the report says why.
func TestWatchdogDetachedWhenSystemdRunFails(t *testing.T) {
	args := fakeSystemdRun(t, true)
	tx, env, _ := fakeTxn(t, "old\n")
	tx.launch.systemd = func() bool { return true }
	p, err := applyLocked(tx, env, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(args); err != nil {
		t.Fatalf("systemd-run was not tried: %v", err)
	}
	if p.WatchdogUnit != "" || !watchdogAlive(p) {
		t.Errorf("pending: unit %q, watchdog alive %v", p.WatchdogUnit, watchdogAlive(p))
	}
	if w := tx.rep.Watchdog; !strings.HasPrefix(w, "detached process (pid ") || !strings.Contains(w, "systemd-run failed") || !strings.Contains(w, "Access denied") {
		t.Errorf("report: watchdog %q, want a detached one and why", w)
	}
	if _, err := Confirm(context.Background(), tx.stateDir, p.ID, time.Now); err != nil {
		t.Fatal(err)
	}
	waitWatchdog(t, p, false)

	// Where systemd does not run, systemd-run is not tried at all.
	os.Remove(args)
	tx.launch.systemd = func() bool { return false }
	if p, err = applyLocked(tx, env, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(args); err == nil || p.WatchdogUnit != "" {
		t.Errorf("without systemd: systemd-run called, or unit %q", p.WatchdogUnit)
	}
	if _, err := Confirm(context.Background(), tx.stateDir, p.ID, time.Now); err != nil {
		t.Fatal(err)
	}
	waitWatchdog(t, p, false)
}
