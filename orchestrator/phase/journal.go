package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
)

// Unfinished is an interrupted run that recorded events of a host: its
// orchestrator died, and the rest of what the agent did is in the host's
// journal after LastSeq.
type Unfinished struct {
	RunID   string
	LastSeq int64
}

// Journal completes interrupted runs from the host's journal, on the next
// contact with the host: nothing the agent recorded is lost when the
// orchestrator is killed in the middle of a run (kill -9, a crash, a
// node lost under serve). It never fails the run that made the contact: a
// journal it cannot read is recorded as such, and a host without the
// current agent is read again on a later contact.
type Journal struct {
	Runner *bootstrap.Runner
	// Unfinished lists the host's interrupted runs not yet imported.
	Unfinished func(ctx context.Context, host string) ([]Unfinished, error)
	// Wait bounds how long a journal without its final event is
	// followed: the agent of an interrupted run may still be finishing.
	Wait time.Duration
}

// Title implements Phase.
func (Journal) Title() string { return "journal" }

// Run implements Phase.
func (j Journal) Run(ctx context.Context, t *Target) error {
	if j.Unfinished == nil || t.Client == nil {
		return nil
	}
	runs, err := j.Unfinished(ctx, t.Name)
	if err != nil {
		t.Log.Warn("listing interrupted runs", "host", t.Name, "err", err)
		return nil
	}
	for _, u := range runs {
		if err := j.importRun(ctx, t, u); err != nil {
			t.Log.Warn("importing an interrupted run's journal", "host", t.Name, "run", u.RunID, "err", t.Rec.Redact(err.Error()))
		}
	}
	return nil
}

// importRun reads u's events from the host's journal into the store and
// closes them with journal.imported.
func (j Journal) importRun(ctx context.Context, t *Target, u Unfinished) error {
	last := u.LastSeq
	sink := func(e event.Event) error {
		if err := t.Rec.Import(ctx, e); err != nil {
			return err
		}
		last = e.Seq
		return nil
	}
	n, err := j.Runner.Replay(ctx, t.Client, t.Plan.Dir(), u.RunID, t.Name, u.LastSeq, j.Wait, sink)
	if bootstrap.NeedAgent(err) || errors.Is(err, bootstrap.ErrStillRunning) || (err != nil && ctx.Err() != nil) {
		return err // not closed: read again on a later contact
	}
	data := event.JournalImported{Run: u.RunID, After: u.LastSeq, Events: n, By: t.Plan.RunID}
	status, msg := event.StatusOK, fmt.Sprintf("%d events of interrupted run %s imported from the host journal", n, u.RunID)
	if err != nil {
		data.Error = err.Error()
		status, msg = event.StatusFailed, fmt.Sprintf("%d events of interrupted run %s imported from the host journal, then: %v", n, u.RunID, err)
	}
	raw, jerr := json.Marshal(data)
	if jerr != nil {
		return errors.Join(err, jerr)
	}
	closing := event.Event{Time: time.Now().UTC(), RunID: u.RunID, Host: t.Name, Seq: last + 1,
		Type: event.TypeJournalImported, Status: status, Message: msg, Data: raw}
	if rerr := t.Rec.Import(ctx, closing); rerr != nil {
		return errors.Join(err, rerr)
	}
	// Logged, not emitted into t's run: this phase runs before the
	// agent, whose events own the run's first sequence numbers.
	if err == nil {
		t.Log.Info("interrupted run completed from the host journal", "host", t.Name, "run", u.RunID, "events", n, "by", t.Plan.RunID)
	}
	return err
}
