package firewall

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// txnWith returns a state directory holding the given pending change and
// results.
func txnWith(t *testing.T, p *pending, results ...*Result) string {
	t.Helper()
	stateDir := t.TempDir()
	dir := txnDir(stateDir)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if p != nil {
		if err := writeJSON(filepath.Join(dir, pendingFile), p); err != nil {
			t.Fatal(err)
		}
	}
	for _, r := range results {
		if err := writeJSON(resultPath(dir, r.ID), r); err != nil {
			t.Fatal(err)
		}
	}
	return stateDir
}

func TestConfirmRefuses(t *testing.T) {
	now := time.Date(2026, 2, 6, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	id := newID()
	past := &pending{ID: id, Deadline: now.Add(-time.Second)}
	rolled := &Result{ID: id, State: StateRolledBack, Reason: "no confirmation within 2m0s", At: now.Add(-time.Minute)}

	_, err := Confirm(context.Background(), txnWith(t, nil), id, clock)
	if !errors.Is(err, ErrUnknownChange) {
		t.Errorf("nothing pending: %v", err)
	}
	_, err = Confirm(context.Background(), txnWith(t, &pending{ID: newID(), Deadline: now.Add(time.Hour)}), id, clock)
	if !errors.Is(err, ErrUnknownChange) {
		t.Errorf("another change pending: %v", err)
	}
	var late *TooLateError
	_, err = Confirm(context.Background(), txnWith(t, past), id, clock)
	if !errors.As(err, &late) || !strings.Contains(err.Error(), "passed its deadline 2026-02-06T11:59:59Z") {
		t.Errorf("past the deadline: %v", err)
	}
	r, err := Confirm(context.Background(), txnWith(t, nil, rolled), id, clock)
	if !errors.As(err, &late) || r == nil || err.Error() != "too late: change "+id+" was rolled back at 2026-02-06T11:59:00Z (no confirmation within 2m0s)" {
		t.Errorf("rolled back: %v, result %+v", err, r)
	}
	if _, err := Confirm(context.Background(), txnWith(t, nil), "../../etc/passwd", clock); err == nil {
		t.Error("a path as id was accepted")
	}
}

func TestConfirmAgainReturnsTheResult(t *testing.T) {
	id := newID()
	done := &Result{ID: id, State: StateConfirmed, Persisted: []string{"/etc/nftables.d/ck8s.nft"}, At: time.Now().UTC()}
	dir := txnWith(t, nil, done)
	r, err := Confirm(context.Background(), dir, id, time.Now)
	if err != nil || r.State != StateConfirmed || r.Persisted[0] != done.Persisted[0] || !r.At.Equal(done.At) {
		t.Errorf("re-confirm: %+v, %v", r, err)
	}
}
