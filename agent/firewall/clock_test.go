package firewall

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// stepped is the host's clock with the wall time stepped by d, as NTP or
// an operator's `date -s` would step it, after the change was armed.
func stepped(d time.Duration) clock {
	c := systemClock()
	c.wall = func() time.Time { return time.Now().Add(d) }
	return c
}

// armedChange writes a pending change of the fake backend due in timeout
// on the host's clock, and returns it with its state directory.
func armedChange(t *testing.T, timeout time.Duration) (*pending, string) {
	t.Helper()
	p, stateDir := expiredChange(t)
	systemClock().setDeadline(p, timeout)
	if p.BootID == "" || p.BootDeadline <= 0 {
		t.Fatalf("no boot-time deadline on this machine: %+v", p)
	}
	if err := writeJSON(filepath.Join(txnDir(stateDir), pendingFile), p); err != nil {
		t.Fatal(err)
	}
	return p, stateDir
}

// rolledBackAt runs the watchdog on clk and returns the boot time at
// which the rules were back, bounded by a hang guard.
func rolledBackAt(t *testing.T, p *pending, stateDir string, clk clock) time.Duration {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- watch(context.Background(), stateDir, p.ID, slog.New(slog.DiscardHandler), clk) }()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(5 * time.Millisecond) {
		if rules, _ := os.ReadFile(p.Path); string(rules) == "old\n" {
			at := bootTime()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			return at
		}
	}
	t.Fatal("no rollback within 10s")
	return 0
}

// TestDeadlineIgnoresWallClockSteps: the wall clock stepped an hour
// either way after the apply moves the rollback neither an hour early
// (the change was still being confirmed) nor an hour late (the host
// stays locked out): it comes at the boot-time deadline.
func TestDeadlineIgnoresWallClockSteps(t *testing.T) {
	const timeout = 700 * time.Millisecond
	for _, step := range []time.Duration{time.Hour, -time.Hour} {
		t.Run(step.String(), func(t *testing.T) {
			p, stateDir := armedChange(t, timeout)
			at := rolledBackAt(t, p, stateDir, stepped(step))
			if late := at - p.BootDeadline; late < 0 || late > watchdogPoll+time.Second {
				t.Errorf("rolled back %s after the boot-time deadline, want within [0, %s]", late, watchdogPoll+time.Second)
			}
		})
	}
}

// TestDeadlineOfAnotherBootHasPassed: a boot-time deadline means nothing
// after a reboot; the change is due at once.
func TestDeadlineOfAnotherBootHasPassed(t *testing.T) {
	p, stateDir := armedChange(t, time.Hour)
	p.BootID = "00000000-0000-0000-0000-000000000000"
	if err := writeJSON(filepath.Join(txnDir(stateDir), pendingFile), p); err != nil {
		t.Fatal(err)
	}
	rolledBackAt(t, p, stateDir, systemClock())
}

// TestOlderPendingKeepsItsWallClockDeadline: a pending.json written by an
// agent before the boot fields is still rolled back, at its wall-clock
// deadline, as that agent's watchdog would have.
func TestOlderPendingKeepsItsWallClockDeadline(t *testing.T) {
	p, stateDir := armedChange(t, time.Hour)
	older := `{"id":"` + p.ID + `","runId":"r1","deadline":"` + time.Now().Add(300*time.Millisecond).UTC().Format(time.RFC3339Nano) +
		`","confirmTimeout":"1m0s","backend":"fake","path":"` + p.Path + `","etc":"","rollback":{"backend":"fake","parts":[{"argv":["fake"],"input":"old\n"}]},` +
		`"persist":false,"profileHash":"x","watchdogPid":0}`
	if err := os.WriteFile(filepath.Join(txnDir(stateDir), pendingFile), []byte(older), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rolledBackAt(t, p, stateDir, systemClock())
	if took := time.Since(start); took < 250*time.Millisecond {
		t.Errorf("rolled back after %s, before its wall-clock deadline", took)
	}
	if r, _ := readResult(txnDir(stateDir), p.ID); r == nil || r.State != StateRolledBack {
		t.Errorf("result %+v", r)
	}
}

// TestConfirmDeadlineIgnoresWallClockSteps: a confirm is judged by the
// same clock as the rollback: in time whatever the wall clock says before
// the boot-time deadline, too late after it.
func TestConfirmDeadlineIgnoresWallClockSteps(t *testing.T) {
	p, stateDir := armedChange(t, time.Hour)
	if _, err := Confirm(context.Background(), stateDir, p.ID, func() time.Time { return time.Now().Add(2 * time.Hour) }); err != nil {
		t.Errorf("confirm before the deadline, wall clock 2h ahead: %v", err)
	}
	p, stateDir = armedChange(t, -time.Millisecond)
	_, err := Confirm(context.Background(), stateDir, p.ID, func() time.Time { return time.Now().Add(-2 * time.Hour) })
	var late *TooLateError
	if !errors.As(err, &late) {
		t.Errorf("confirm after the deadline, wall clock 2h behind: %v, want too late", err)
	}
}
