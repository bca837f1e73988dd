package firewall

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/testenv"

	"github.com/ck8s/ck8sctl/agent/lock"
)

// expiredChange writes a pending change of the fake backend whose
// deadline has passed, rules "new\n" live and "old\n" to restore, and
// returns it with the state directory.
func expiredChange(t *testing.T) (*pending, string) {
	t.Helper()
	stateDir := t.TempDir()
	c := choice{Backend: nameFake, Path: filepath.Join(stateDir, "rules"), Etc: stateDir}
	if err := os.WriteFile(c.Path, []byte("new\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &pending{ID: newID(), RunID: "r1", ConfirmTimeout: 0, choice: c,
		Rollback: fakeBackend{}.batch("old\n")}
	systemClock().setDeadline(p, -time.Second)
	if err := os.MkdirAll(txnDir(stateDir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(filepath.Join(txnDir(stateDir), pendingFile), p); err != nil {
		t.Fatal(err)
	}
	return p, stateDir
}

// TestWatchdogNeverGivesUp: the lock held past the wait and a kernel
// refusing the rollback twice as often as one attempt tries do not end
// the watchdog: it tries again with a backoff, logs every failed try, and
// rolls back in the end.
func TestWatchdogNeverGivesUp(t *testing.T) {
	for v, set := range map[*time.Duration]time.Duration{&lockWait: 50 * time.Millisecond, &rollbackPause: time.Millisecond} {
		old := *v
		*v = set
		t.Cleanup(func() { *v = old })
	}
	oldBackoff := rollbackBackoff
	rollbackBackoff = backoff{first: 10 * time.Millisecond, max: 40 * time.Millisecond}
	t.Cleanup(func() { rollbackBackoff = oldBackoff })

	p, stateDir := expiredChange(t)
	const failures = 2 * rollbackTries
	if err := os.WriteFile(p.Path+".failures", []byte(strconv.Itoa(failures)), 0o600); err != nil {
		t.Fatal(err)
	}
	// Someone holds the lock for longer than one wait.
	held, err := lock.Acquire(context.Background(), txnDir(stateDir), lock.Holder{RunID: "other"}, lock.Options{})
	if err != nil {
		t.Fatal(err)
	}
	time.AfterFunc(300*time.Millisecond, func() { held.Release() })

	var log testenv.Buffer
	done := make(chan error, 1)
	go func() {
		done <- Watchdog(context.Background(), stateDir, p.ID, slog.New(slog.NewTextHandler(&log, nil)))
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("watchdog: %v\n%s", err, log.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no rollback in 20s:\n%s", log.String())
	}
	if rules, _ := os.ReadFile(p.Path); string(rules) != "old\n" {
		t.Errorf("rules %q, want the snapshot back", rules)
	}
	if r, _ := readResult(txnDir(stateDir), p.ID); r == nil || r.State != StateRolledBack || r.Reason != "no confirmation within 0s" {
		t.Errorf("result %+v", r)
	}
	out := log.String()
	if n := strings.Count(out, "resource busy"); n != failures {
		t.Errorf("%d failed tries logged, want %d:\n%s", n, failures, out)
	}
	if !strings.Contains(out, "is held by run other") {
		t.Errorf("the lock wait is not logged:\n%s", out)
	}
}
