package phase

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
)

// Recorder is a run's one way of recording events, built once per run and
// shared by every phase and host: whether an event comes from the agent or
// from the orchestrator itself (scan, TLS, http-01, DNS, the sweep's
// verdict), it is masked by the run's redactor, stored, folded into the
// host's Result and shown as progress, in that order. A secret therefore
// cannot reach the database or the terminal through a phase that forgot to
// mask: no phase stores anything itself.
type Recorder struct {
	store    func(context.Context, ...event.Event) error
	redact   *redact.Redactor
	progress func(event.Event)
}

// NewRecorder returns a run's recorder. store keeps events (the flow_events
// store); red is the run's redactor (playbook mask: and known secrets);
// progress, if set, sees every event after it is stored.
func NewRecorder(store func(context.Context, ...event.Event) error, red *redact.Redactor, progress func(event.Event)) *Recorder {
	if red == nil {
		red = redact.Default()
	}
	return &Recorder{store: store, redact: red, progress: progress}
}

// discard is the recorder of a target without one: it masks and observes
// but keeps nothing.
var discard = NewRecorder(nil, nil, nil)

// Agent records an event the agent numbered and returns it masked, for
// whatever acts on it next (the firewall's confirmation, the http-01
// rehearsal). The agent masks before it sends; masking again here means
// a bug or a foreign agent cannot put a secret into the store.
func (r *Recorder) Agent(ctx context.Context, t *Target, e event.Event) (event.Event, error) {
	if r == nil {
		r = discard
	}
	e = r.redact.Event(e)
	if err := r.keep(ctx, e); err != nil {
		return e, err
	}
	t.Result.observe(e)
	if r.progress != nil {
		r.progress(e)
	}
	return e, nil
}

// Import records an event of another run (an interrupted run's, read
// from the host's journal): masked and stored like any other, but not
// part of t's result or progress.
func (r *Recorder) Import(ctx context.Context, e event.Event) error {
	if r == nil {
		r = discard
	}
	return r.keep(ctx, r.redact.Event(e))
}

// Emit records an event of the orchestrator's own about t. The store keys
// events by (run, host, seq) and the agent numbered 1..LastSeq, so these
// continue from there.
func (r *Recorder) Emit(ctx context.Context, t *Target, step, typ string, st event.Status, msg string, data any) error {
	if r == nil {
		r = discard
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("encoding %s for %s: %w", typ, t.Name, err)
	}
	e := event.Event{Time: time.Now().UTC(), RunID: t.Plan.RunID, Host: t.Name, Seq: t.Result.LastSeq + 1,
		Type: typ, Step: step, Status: st, Message: msg, Data: raw}
	e = r.redact.Event(e)
	if err := r.keep(ctx, e); err != nil {
		return fmt.Errorf("recording %s for %s: %w", typ, t.Name, err)
	}
	t.Result.LastSeq = e.Seq
	t.Result.Events++
	t.Result.observe(e)
	if r.progress != nil {
		r.progress(e)
	}
	return nil
}

// Redact masks s with the run's redactor: for the few strings that leave a
// run other than as events (a host's error in the report).
func (r *Recorder) Redact(s string) string {
	if r == nil {
		r = discard
	}
	return r.redact.String(s)
}

// masked returns a copy of v with every string in it masked by r's
// redactor, for an outcome a Result keeps besides its event (an http-01
// verdict, a TLS report): Emit masks the event, and the report and the
// stored results must not hold what the event hides. A value that does
// not survive the JSON round trip comes back empty: dropped, not leaked.
func masked[T any](r *Recorder, v *T) *T {
	if r == nil {
		r = discard
	}
	if v == nil {
		return nil
	}
	out := new(T)
	raw, err := json.Marshal(v)
	if err == nil {
		_ = json.Unmarshal(r.redact.JSON(raw), out)
	}
	return out
}

// keep stores e. Recording outlives a cancelled run: what the host did is
// history, Ctrl-C or not.
func (r *Recorder) keep(ctx context.Context, e event.Event) error {
	if r.store == nil {
		return nil
	}
	return r.store(context.WithoutCancel(ctx), e)
}
