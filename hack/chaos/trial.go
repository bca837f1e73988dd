package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/agent/journal"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// trial is one fault injected into one harden on one host.
type trial struct {
	w       *worker
	v       hostView
	f       fault
	cmd     *exec.Cmd
	start   time.Time
	moment  time.Duration // when inject acts, after start
	confirm time.Duration
	failAt  int
	notes   []string
}

// outcome is what one trial measured.
type outcome struct {
	fault              string
	hit, reached       bool
	reach              time.Duration // fault end → SSH works
	restored           bool
	lost, running      int
	notes              []string
	faultedRun, exitOf string
}

func (tr *trial) notef(format string, a ...any) {
	tr.notes = append(tr.notes, fmt.Sprintf("%s %s: ", tr.v.h.Name, tr.f.name)+fmt.Sprintf(format, a...))
}

// run is the trial: snapshot, faulted harden, wait for the host to come
// back and settle, compare rules, then a clean harden (which imports the
// journal of an interrupted run) and the store's view of the faulted run.
func (tr *trial) run(ctx context.Context) outcome {
	w, v := tr.w, tr.v
	target := w.other()
	pre, _ := v.owned(ctx)
	if tr.f.setup != nil {
		if err := tr.f.setup(ctx, tr); err != nil {
			tr.notef("setup: %v", err)
		}
	}
	tr.moment = time.Duration(rand.Int64N(int64(w.baseline) + 1))
	tr.cmd = w.ck8sctl(ctx, w.playbook(target, tr.f.cut))
	tr.start = time.Now()
	if err := tr.cmd.Start(); err != nil {
		tr.notef("starting ck8sctl: %v", err)
		return outcome{fault: tr.f.name, notes: tr.notes}
	}
	done := make(chan struct{})
	go func() { _ = tr.cmd.Wait(); close(done) }()
	hit, end := tr.f.inject(ctx, tr)
	wait := func() {
		select {
		case <-done:
		case <-time.After(3 * time.Minute):
			_ = tr.cmd.Process.Kill()
			<-done
			tr.notef("ck8sctl still running after 3 minutes: killed")
		}
	}
	if tr.f.inRun {
		wait()
		end = time.Now()
	}
	// SSH is polled from the fault's end, while ck8sctl may still run.
	reach := make(chan time.Time, 1)
	go func() {
		at, _ := v.waitSSH(ctx, end.Add(tr.confirm+15*time.Second))
		reach <- at
	}()
	wait()
	o := outcome{fault: tr.f.name, hit: hit, exitOf: fmt.Sprint(tr.cmd.ProcessState.ExitCode())}
	if at := <-reach; !at.IsZero() {
		o.reached, o.reach = true, at.Sub(end)
	}
	for settle := time.Now().Add(tr.confirm + 30*time.Second); !v.settled(ctx) && time.Now().Before(settle); {
		time.Sleep(250 * time.Millisecond)
	}
	// The fault's teardown comes first: the rules are read with the
	// host's own iptables, which the n-th-call wrapper would fail when
	// the harden made fewer calls than n (3 of 50 "not restored" trials
	// of the first 50-trial campaign were that read failing).
	if tr.f.teardown != nil {
		if err := tr.f.teardown(ctx, tr); err != nil {
			tr.notef("teardown: %v", err)
		}
	}
	post, err := v.owned(ctx)
	if err != nil {
		tr.notef("reading the rules after the trial: %v", err)
	}
	o.restored = err == nil && (post == pre || post == w.expected[target])
	if err == nil && post == w.expected[target] {
		w.current = target // confirmed: the next trial changes back
	}
	if !o.restored {
		tr.notef("rules neither the pre-run ones nor profile %s:\n%s", target, post)
	}
	o.faultedRun, o.lost, o.running = tr.storeView(ctx)
	o.notes = tr.notes
	return o
}

// storeView is the faulted run as the store has it after a clean harden:
// events the host journaled that the store lacks, and whether it is
// still "running".
func (tr *trial) storeView(ctx context.Context) (id string, lost, running int) {
	w := tr.w
	db, err := store.Open(ctx, w.db)
	if err != nil {
		tr.notef("store: %v", err)
		return "", 0, 0
	}
	runs, err := db.Runs(ctx, 1)
	db.Close()
	if err != nil || len(runs) == 0 {
		tr.notef("no faulted run in the store (%v)", err)
		return "", 0, 0
	}
	id = runs[0].ID
	if err := w.clean(ctx); err != nil {
		tr.notef("the clean harden after the fault: %v", err)
	}
	if db, err = store.Open(ctx, w.db); err != nil {
		tr.notef("store: %v", err)
		return id, 0, 0
	}
	defer db.Close()
	run, err := db.Run(ctx, id)
	if err == nil && run.Status == store.StatusRunning {
		running = 1
	}
	evs, err := db.Events(ctx, store.Filter{RunID: id, Host: tr.v.h.Name, Limit: 100000})
	if err != nil {
		tr.notef("events: %v", err)
	}
	have := map[int64]bool{}
	for _, e := range evs {
		have[e.Seq] = true
	}
	var missing []string
	for _, e := range tr.journal(ctx, id) {
		if !have[e.Seq] {
			missing = append(missing, fmt.Sprintf("%d %s", e.Seq, e.Type))
		}
	}
	if len(missing) > 0 {
		tr.notef("run %s (%s): %d journaled events not in the store: %s", id, run.Status, len(missing), strings.Join(missing, ", "))
	}
	return id, len(missing), running
}

// journal is the host's journal of run id (none if the run never reached
// the agent).
func (tr *trial) journal(ctx context.Context, id string) []event.Event {
	out, err := tr.v.sh(ctx, "cat "+journal.Path("/var/lib/ck8s", id)+" 2>/dev/null; true")
	if err != nil {
		tr.notef("reading the journal: %v", err)
	}
	var evs []event.Event
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<22)
	for sc.Scan() {
		var e event.Event
		if json.Unmarshal(sc.Bytes(), &e) == nil && e.Seq > 0 {
			evs = append(evs, e)
		}
	}
	return evs
}
