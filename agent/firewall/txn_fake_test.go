package firewall

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/agent/step/steptest"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// fakeBackend keeps its "rules" in the file Options.Path, so that every
// process and every open sees the same; an input starting with "fail"
// fails to apply, as a kernel refusing a batch would, and so does every
// apply while the file Path+".failures" counts down from a number above
// zero (a kernel busy for a while).
type fakeBackend struct{ o Options }

const nameFake = "fake"

func init() {
	backends[nameFake] = func(o Options) (Backend, error) { return fakeBackend{o}, nil }
}

func (fakeBackend) Name() string    { return nameFake }
func (fakeBackend) Variant() string { return "" }

func (b fakeBackend) State(context.Context) (string, error) {
	s, err := os.ReadFile(b.o.Path)
	return string(s), err
}

func (b fakeBackend) Render(_ context.Context, p Profile) (Batch, error) {
	return b.batch(fmt.Sprintf("allow tcp %v ssh %v\n", p.AllowTCP, p.SSHPorts)), nil
}

func (b fakeBackend) Snapshot(ctx context.Context) (Batch, error) {
	s, err := b.State(ctx)
	return b.batch(s), err
}

func (b fakeBackend) batch(in string) Batch {
	return Batch{Backend: nameFake, Parts: []Part{{Argv: []string{"fake"}, Input: in}}}
}

func (b fakeBackend) Apply(_ context.Context, bt Batch) error {
	in := bt.Parts[0].Input
	if strings.HasPrefix(in, "fail") {
		return errors.New("kernel says no")
	}
	if n, _ := os.ReadFile(b.o.Path + ".failures"); len(n) > 0 && string(n) != "0" {
		left, err := strconv.Atoi(string(n))
		if err != nil {
			return err
		}
		if err := os.WriteFile(b.o.Path+".failures", []byte(strconv.Itoa(left-1)), 0o600); err != nil {
			return err
		}
		return fmt.Errorf("resource busy (%d more failures)", left-1)
	}
	return os.WriteFile(b.o.Path, []byte(in), 0o600)
}

func (b fakeBackend) Persist(ctx context.Context) ([]string, error) {
	s, err := b.State(ctx)
	if err != nil {
		return nil, err
	}
	f := filepath.Join(b.o.Etc, "fake.rules")
	return []string{f}, os.WriteFile(f, []byte(s), 0o600)
}

// fakeTxn is a step run on the fake backend with rules. The agent it
// starts as the watchdog is this test binary (standInWatchdog): the real
// watchdog on the fake backend, detached.
func fakeTxn(t *testing.T, rules string) (*txn, *step.Env, *steptest.Sink) {
	t.Helper()
	dir := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := choice{Backend: nameFake, Path: filepath.Join(dir, "rules"), Etc: dir}
	if err := os.WriteFile(c.Path, []byte(rules), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := c.open()
	p := &plan.Plan{RunID: "r1", StateDir: filepath.Join(dir, "state"),
		Firewall: &plan.FirewallPlan{Backend: nameFake, ConfirmTimeout: plan.Duration(time.Minute), Persist: true}}
	sink := &steptest.Sink{}
	env := step.NewEnv(p, "/", "firewall", slog.New(slog.DiscardHandler), sink)
	return &txn{
		self: self, stateDir: p.StateDir, dir: txnDir(p.StateDir), grace: time.Second, fw: p.Firewall,
		runID: p.RunID, c: c, b: b, prof: Profile{AllowTCP: []int{443}, SSHPorts: []int{22}},
		launch: launcher{self: self, stateDir: p.StateDir, systemd: func() bool { return false }, announceWait: 10 * time.Second},
		clk:    systemClock(),
	}, env, sink
}

// applyLocked applies as Run does: under the firewall lock.
func applyLocked(tx *txn, env *step.Env, want string) (*pending, error) {
	unlock, err := tx.lock(context.Background(), env)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return tx.apply(context.Background(), env, want)
}

// waitWatchdog waits until the watchdog of p is up (alive is true) or
// gone, bounded by a hang guard.
func waitWatchdog(t *testing.T, p *pending, alive bool) {
	t.Helper()
	for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if watchdogAlive(p) == alive {
			return
		}
	}
	t.Fatalf("watchdog %d alive: %v, want %v", p.WatchdogPID, !alive, alive)
}

func TestApplyFailureRestoresAtOnce(t *testing.T) {
	tx, env, sink := fakeTxn(t, "old\n")
	tx.prof.AllowTCP = nil
	tx.b = failingRender{tx.b}
	p, err := applyLocked(tx, env, "")
	if p != nil || !errors.Is(err, step.ErrAbort) || !strings.Contains(err.Error(), "kernel says no; the previous rules are back") {
		t.Fatalf("apply = %v, %v", p, err)
	}
	if s, _ := tx.b.State(context.Background()); s != "old\n" {
		t.Errorf("rules after the failed apply: %q", s)
	}
	if left, _ := readPending(tx.dir); left != nil {
		t.Error("pending.json left")
	}
	if len(sink.Events) != 1 || sink.Events[0].Type != event.TypeFirewallRolledBack || sink.Events[0].Status != event.StatusFailed {
		t.Errorf("events %+v", sink.Events)
	}
	results, _ := filepath.Glob(tx.dir + "/result-*.json")
	if len(results) != 1 {
		t.Fatalf("results %v", results)
	}
	var r Result
	if err := readJSON(results[0], &r); err != nil || r.State != StateRolledBack {
		t.Errorf("result %+v, %v", r, err)
	}
	waitWatchdog(t, &pending{ID: r.ID, WatchdogPID: watchdogOf(t, r.ID)}, false) // the legacy check
}

// watchdogOf finds the pid of the watchdog of change id, 0 if none.
func watchdogOf(t *testing.T, id string) int {
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range cmdlines {
		var pid int
		fmt.Sscanf(filepath.Base(filepath.Dir(f)), "%d", &pid)
		if cmdlineAlive(pid, id) {
			return pid
		}
	}
	return 0
}

// failingRender renders a batch the kernel refuses.
type failingRender struct{ Backend }

func (f failingRender) Render(ctx context.Context, p Profile) (Batch, error) {
	b, err := f.Backend.Render(ctx, p)
	b.Parts[0].Input = "fail " + b.Parts[0].Input
	return b, err
}

func TestFailedRollbackIsRetried(t *testing.T) {
	old := rollbackPause
	rollbackPause = time.Millisecond
	t.Cleanup(func() { rollbackPause = old })
	tx, env, _ := fakeTxn(t, "fail: this snapshot cannot be restored\n")
	p, err := applyLocked(tx, env, "")
	if err != nil {
		t.Fatal(err)
	}
	r, err := rollBack(context.Background(), tx.dir, p.ID, "no confirmation within 1m0s", slog.New(slog.DiscardHandler))
	if err == nil || r.State != StateRollbackFailed {
		t.Fatalf("rollback of an unrestorable snapshot: %+v, %v", r, err)
	}
	if left, _ := readPending(tx.dir); left == nil {
		t.Fatal("a failed rollback forgot the change: nobody would try again")
	}
	if _, err := Confirm(context.Background(), tx.stateDir, p.ID, time.Now); err == nil || !strings.Contains(err.Error(), "its rollback failed") {
		t.Errorf("confirm after a failed rollback: %v", err)
	}

	// The next run's retry, once the kernel accepts the snapshot.
	left, _ := readPending(tx.dir)
	left.Rollback.Parts[0].Input = "old\n"
	if err := writeJSON(filepath.Join(tx.dir, pendingFile), left); err != nil {
		t.Fatal(err)
	}
	r, err = rollBack(context.Background(), tx.dir, p.ID, "retry", slog.New(slog.DiscardHandler))
	if s, _ := tx.b.State(context.Background()); err != nil || r.State != StateRolledBack || s != "old\n" {
		t.Errorf("retry: %+v, %v, rules %q", r, err, s)
	}
	waitWatchdog(t, p, false) // pending.json is gone
}

// TestConfirmPersistsAndRecords: the confirm records the state the change
// restored, from pending.json, or by listing the rules when an older
// agent's pending.json does not say.
func TestConfirmPersistsAndRecords(t *testing.T) {
	for _, want := range []string{"allow tcp [443] ssh [22]\n", ""} {
		tx, env, _ := fakeTxn(t, "")
		p, err := applyLocked(tx, env, want)
		if err != nil {
			t.Fatal(err)
		}
		waitWatchdog(t, p, true)
		r, err := Confirm(context.Background(), tx.stateDir, p.ID, time.Now)
		if err != nil || r.State != StateConfirmed || len(r.Persisted) != 1 || len(r.Warnings) > 0 {
			t.Fatalf("confirm: %+v, %v", r, err)
		}
		if watchdogAlive(p) {
			t.Error("the watchdog outlived the confirm")
		}
		var a Applied
		if err := readJSON(filepath.Join(tx.dir, appliedFile), &a); err != nil || a.State != "allow tcp [443] ssh [22]\n" || a.ProfileHash != tx.prof.hash() {
			t.Errorf("pending want %q: applied.json: %+v, %v", want, a, err)
		}
		if err := tx.await(context.Background(), env, p); err != nil {
			t.Errorf("await after the confirm: %v", err)
		}
	}
}

// TestConfirmRequestIsConfirmedByTheWatchdog: the file firewall.applied
// names, created as ck8sctl does over a new connection, makes the
// watchdog confirm the change (saved, recorded, the run told) and go.
func TestConfirmRequestIsConfirmedByTheWatchdog(t *testing.T) {
	tx, env, sink := fakeTxn(t, "")
	p, err := applyLocked(tx, env, "allow tcp [443] ssh [22]\n")
	if err != nil {
		t.Fatal(err)
	}
	waitWatchdog(t, p, true)
	req := confirmRequestPath(tx.dir, p.ID)
	if err := os.WriteFile(req, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := tx.await(ctx, env, p); err != nil {
		t.Fatalf("await after the request: %v", err)
	}
	if got := types(sink.Events); !slices.Contains(got, event.TypeFirewallConfirmed) {
		t.Errorf("events %v, want firewall.confirmed", got)
	}
	res, err := readResult(tx.dir, p.ID)
	if err != nil || res.State != StateConfirmed || len(res.Persisted) != 1 || len(res.Warnings) > 0 {
		t.Errorf("result %+v, %v", res, err)
	}
	var a Applied
	if err := readJSON(filepath.Join(tx.dir, appliedFile), &a); err != nil || a.ID != p.ID || a.State != "allow tcp [443] ssh [22]\n" {
		t.Errorf("applied.json: %+v, %v", a, err)
	}
	if rules, _ := os.ReadFile(p.Path); string(rules) != "allow tcp [443] ssh [22]\n" {
		t.Errorf("rules after the confirm: %q", rules)
	}
	waitWatchdog(t, p, false)
	if _, err := os.Stat(req); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the request is still there: %v", err)
	}
}

// TestLateConfirmRequestIsRolledBack: a request the watchdog finds after
// the deadline confirms nothing; the change is rolled back as if none
// had come.
func TestLateConfirmRequestIsRolledBack(t *testing.T) {
	p, stateDir := expiredChange(t)
	dir := txnDir(stateDir)
	if err := os.WriteFile(confirmRequestPath(dir, p.ID), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := watch(ctx, stateDir, p.ID, slog.New(slog.DiscardHandler), systemClock()); err != nil {
		t.Fatal(err)
	}
	if r, _ := readResult(dir, p.ID); r == nil || r.State != StateRolledBack {
		t.Errorf("result %+v, want rolled back", r)
	}
	if rules, _ := os.ReadFile(p.Path); string(rules) != "old\n" {
		t.Errorf("rules %q, want the old ones back", rules)
	}
	if _, err := os.Stat(filepath.Join(dir, appliedFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a late request recorded a baseline: %v", err)
	}
}
