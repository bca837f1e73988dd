package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/ck8s/ck8sctl/internal/crash"
	"github.com/ck8s/ck8sctl/orchestrator/host"
)

// Classify maps a host's error to its outcome. It is the one place that
// decides which failures mean "could not reach or trust the host".
func Classify(err error) Status {
	switch {
	case err == nil:
		return StatusOK
	case errors.Is(err, host.ErrHostKeyUnknown), errors.Is(err, host.ErrAuth),
		errors.Is(err, host.ErrUnreachable), errors.Is(err, host.ErrSudoPassword),
		errors.Is(err, host.ErrConnectionLost), errors.Is(err, ErrHostBusy),
		errors.Is(err, host.ErrHostKeyRevoked), errors.Is(err, host.ErrHostCertificate),
		errors.Is(err, host.ErrSudo),
		errors.Is(err, ErrHostDeadline):
		return StatusUnreachable
	}
	if errors.Is(err, ErrRolledBack) {
		return StatusRolledBack
	}
	var hk *host.HostKeyChangedError
	if errors.As(err, &hk) {
		return StatusUnreachable
	}
	return StatusFailed
}

// ErrHostDeadline means a host did not finish within the run's per-host
// deadline (Manager.HostTimeout): it is reported unreachable, and the
// other hosts carry on. Retry when the host answers again.
var ErrHostDeadline = errors.New("host did not finish within its deadline")

// Manager runs phases over targets.
type Manager struct {
	Phases []Phase
	Forks  int // hosts worked on at once
	// HostTimeout, if positive, bounds each host's whole pass through the
	// phases: one black-holed host costs at most this, whatever it does.
	HostTimeout time.Duration
	// Done, if set, is called as each host finishes.
	Done func(*Target)
}

// Run takes every target through the phases, at most Forks at a time. A
// host stops at its first failing phase; the others carry on. It returns
// when every host is done or ctx ends; outcomes are in each Target.Result.
// A panic in a host's goroutine is raised again here, once every host is
// done, as a *crash.Panic with that goroutine's stack.
func (m *Manager) Run(ctx context.Context, targets []*Target) {
	var g errgroup.Group
	var panics crash.Group
	g.SetLimit(max(m.Forks, 1))
	for _, t := range targets {
		g.Go(func() error {
			defer panics.Recover()
			m.runHost(ctx, t)
			if m.Done != nil {
				m.Done(t)
			}
			return nil
		})
	}
	_ = g.Wait()
	panics.Repanic()
}

func (m *Manager) runHost(ctx context.Context, t *Target) {
	start := time.Now()
	if m.HostTimeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, m.HostTimeout, fmt.Errorf("%w (%s)", ErrHostDeadline, m.HostTimeout))
		defer cancel()
	}
	defer func() {
		if t.Client != nil {
			t.Client.Close()
		}
		t.Result.Duration = time.Since(start)
	}()
	for _, p := range m.Phases {
		if o, ok := p.(Optional); ok && !o.Enabled(t) {
			continue
		}
		t.Result.Phase = p.Title()
		if ctx.Err() != nil {
			t.fail(context.Cause(ctx))
			return
		}
		if err := p.Run(ctx, t); err != nil {
			if cause := context.Cause(ctx); ctx.Err() != nil && errors.Is(cause, ErrHostDeadline) {
				err = fmt.Errorf("%w: %w", cause, err)
			}
			t.fail(errors.Join(t.Result.critical(), err))
			t.Log.Error("phase failed", "host", t.Name, "phase", p.Title(), "err", err)
			return
		}
	}
	if err := t.Result.critical(); err != nil {
		t.fail(err)
		return
	}
	t.Result.Status = StatusOK
}

func (t *Target) fail(err error) {
	t.Result.err = err
	t.Result.Error = t.Rec.Redact(err.Error())
	t.Result.Status = Classify(err)
}

func jsonUnmarshal(b []byte, v any) error {
	if len(b) == 0 {
		return nil
	}
	return json.Unmarshal(b, v)
}
