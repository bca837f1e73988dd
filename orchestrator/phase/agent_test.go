package phase

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/event/eventtest"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/remote"
	"github.com/ck8s/ck8sctl/internal/remote/remotetest"
)

// agentHost is a host whose agent is already in place, reached through
// fake connections: `ck8s-agent run` is answered by run, the commands the
// orchestrator sends over other connections are recorded.
type agentHost struct {
	t   *testing.T
	run func(ctx context.Context, stdin io.Reader, stdout, stderr io.Writer) error

	mu        sync.Mutex
	calls     []agentCall
	dialed    []*remotetest.Conn
	confirmed chan struct{} // closed by the first confirm request
	once      sync.Once
}

type agentCall struct {
	conn string
	args []string
}

// confirmRequest is how agentCall names the creation of a confirm request
// (args: it, the file).
const confirmRequest = "confirm-request"

func newAgentHost(t *testing.T) *agentHost {
	return &agentHost{t: t, confirmed: make(chan struct{})}
}

func (h *agentHost) conn(name string) *remotetest.Conn {
	return &remotetest.Conn{Name: name, Handle: func(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
		sc, err := remotetest.ParseShC(cmd)
		if err == nil && sc.Name == "ck8s-confirm" && len(sc.Args) == 1 {
			// bootstrap.ConfirmFirewall: the change's watchdog would confirm.
			h.mu.Lock()
			h.calls = append(h.calls, agentCall{name, []string{confirmRequest, sc.Args[0]}})
			h.mu.Unlock()
			h.once.Do(func() { close(h.confirmed) })
			return nil
		}
		if err != nil || sc.Name != "ck8s-agent" || len(sc.Args) == 0 {
			return fmt.Errorf("not the guarded agent launch (%v): %q", err, cmd)
		}
		h.mu.Lock()
		h.calls = append(h.calls, agentCall{name, sc.Args})
		h.mu.Unlock()
		switch sc.Args[0] {
		case "run":
			return h.run(ctx, stdin, stdout, stderr)
		}
		return &remote.ExitError{Code: 2, Stderr: "unknown command " + sc.Args[0]}
	}}
}

// dial is the target's Dialer: a new connection each time.
func (h *agentHost) dial(context.Context) (remote.Conn, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.conn(fmt.Sprintf("fake-1 (new connection %d)", len(h.dialed)+1))
	h.dialed = append(h.dialed, c)
	return c, nil
}

func (h *agentHost) callsOf(cmd string) []agentCall {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []agentCall
	for _, c := range h.calls {
		if c.args[0] == cmd {
			out = append(out, c)
		}
	}
	return out
}

// exits answers `run` with the whole script and then the exit status.
func exits(r *eventtest.Run, code int, stderr string) func(context.Context, io.Reader, io.Writer, io.Writer) error {
	return func(_ context.Context, _ io.Reader, stdout, errw io.Writer) error {
		if _, err := stdout.Write(r.NDJSON()); err != nil {
			return err
		}
		io.WriteString(errw, stderr)
		if code == 0 {
			return nil
		}
		return &remote.ExitError{Code: code, Stderr: stderr}
	}
}

func testRunner() *bootstrap.Runner {
	agent := bootstrap.Binary{Arch: "amd64", SHA256: strings.Repeat("a", 64)}
	return &bootstrap.Runner{Agents: map[string]bootstrap.Binary{"amd64": agent, "arm64": agent},
		Redact: redact.Default(), Log: slog.New(slog.DiscardHandler), Reconnects: 1, FollowTimeout: time.Second}
}

type recorded struct {
	mu  sync.Mutex
	evs []event.Event
}

func (r *recorded) record(_ context.Context, e event.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, e)
	return nil
}

func (h *agentHost) target(check bool) *Target {
	p := &plan.Plan{Protocol: event.Protocol, RunID: "r1", Host: "fake-1", Check: check, Steps: []string{"facts", "firewall"}}
	return &Target{Name: "fake-1", Plan: p, Client: h.conn("fake-1 (agent session)"), Dialer: h.dial,
		Result: &Result{Host: "fake-1"}, Log: slog.New(slog.DiscardHandler)}
}

// on makes rec the target's recorder.
func (r *recorded) on(tg *Target) *Target {
	tg.Rec = NewRecorder(func(ctx context.Context, evs ...event.Event) error {
		for _, e := range evs {
			if err := r.record(ctx, e); err != nil {
				return err
			}
		}
		return nil
	}, nil, nil)
	return tg
}

func agentPhase() Agent {
	r := testRunner()
	return Agent{Runner: r, Confirm: &Confirmer{Runner: r, ConnectTimeout: 5 * time.Second, Retry: 10 * time.Millisecond}}
}

// firewall.applied makes the orchestrator confirm over a new connection
// while the agent waits and its stream keeps flowing; the agent then
// reports the change confirmed.
func TestAgentConfirmsTheFirewallOverANewConnection(t *testing.T) {
	h := newAgentHost(t)
	deadline := time.Now().Add(time.Minute).UTC()
	script := eventtest.NewRun(t, "r1", "fake-1").Started("firewall").StepStarted("firewall").
		Add(event.TypeFirewallApplied, event.StatusChanged, "firewall", "rules applied, waiting for confirmation",
			map[string]any{"id": "chg-1", "deadline": deadline, "confirmRequest": "/var/lib/ck8s/firewall/confirm-chg-1"})
	applied := len(script.Events)
	script.Add(event.TypeFirewallConfirmed, event.StatusChanged, "firewall", "confirmed", nil).
		StepFinished("firewall", event.StatusChanged, "changed").Finish()
	h.run = func(ctx context.Context, _ io.Reader, stdout, _ io.Writer) error {
		lines := script.Lines(0)
		for _, l := range lines[:applied] {
			if _, err := stdout.Write(l); err != nil {
				return err
			}
		}
		select { // as the agent's watchdog waits
		case <-h.confirmed:
		case <-time.After(5 * time.Second):
			return errors.New("no confirmation arrived")
		case <-ctx.Done():
			return ctx.Err()
		}
		for _, l := range lines[applied:] {
			if _, err := stdout.Write(l); err != nil {
				return err
			}
		}
		return nil
	}
	var rec recorded
	tg := h.target(false)
	if err := agentPhase().Run(t.Context(), rec.on(tg)); err != nil {
		t.Fatal(err)
	}
	if f := tg.Result.Firewall; f == nil || f.State != FirewallConfirmed || f.Confirm != "" {
		t.Fatalf("firewall outcome %+v", f)
	}
	confirms := h.callsOf(confirmRequest)
	if len(h.dialed) != 1 || len(confirms) != 1 {
		t.Fatalf("%d dials, %d confirms: want one new connection confirming once", len(h.dialed), len(confirms))
	}
	if c := confirms[0]; c.conn != h.dialed[0].Name || c.args[1] != "/var/lib/ck8s/firewall/confirm-chg-1" {
		t.Errorf("confirm %q over %q, want the event's request file over the new connection", c.args, c.conn)
	}
	if !h.dialed[0].Closed() {
		t.Error("the confirming connection was left open")
	}
	if len(rec.evs) != len(script.Events) || tg.Result.Events != len(script.Events) {
		t.Errorf("recorded %d events (result says %d), the agent sent %d", len(rec.evs), tg.Result.Events, len(script.Events))
	}
}

// A firewall.applied whose confirm request is not the change's own file
// in an absolute, clean directory makes the orchestrator create nothing:
// no connection is opened, the change is left to its watchdog, and the
// host's result names the field.
func TestAgentRefusesAConfirmRequestElsewhere(t *testing.T) {
	for _, request := range []string{
		"",
		"confirm-chg-1",
		"/var/lib/ck8s/firewall/../../../../etc/confirm-chg-1",
		"/etc/cron.d/evil",
		"/etc/confirm-chg-1", // the change's file name, outside the state directory
		"/var/lib/ck8s/firewall/confirm-chg-2",
	} {
		t.Run(request, func(t *testing.T) {
			h := newAgentHost(t)
			deadline := time.Now().Add(time.Minute).UTC()
			script := eventtest.NewRun(t, "r1", "fake-1").Started("firewall").StepStarted("firewall").
				Add(event.TypeFirewallApplied, event.StatusChanged, "firewall", "rules applied, waiting for confirmation",
					map[string]any{"id": "chg-1", "deadline": deadline, "confirmRequest": request}).
				Add(event.TypeFirewallRolledBack, event.StatusFailed, "firewall", "no confirmation within 1m0s", map[string]any{"id": "chg-1"}).
				StepFinished("firewall", event.StatusFailed, "rolled back").Finish()
			h.run = exits(script, 1, "")
			var rec recorded
			tg := h.target(false)
			err := agentPhase().Run(t.Context(), rec.on(tg))
			if !errors.Is(err, ErrRolledBack) {
				t.Errorf("err = %v, want the rollback", err)
			}
			if len(h.dialed) != 0 || len(h.callsOf(confirmRequest)) != 0 {
				t.Errorf("%d dials, %d confirm requests for a request file elsewhere", len(h.dialed), len(h.callsOf(confirmRequest)))
			}
			if f := tg.Result.Firewall; f == nil || !strings.Contains(f.Confirm, "confirmRequest") {
				t.Errorf("firewall outcome %+v: want the confirm error to name confirmRequest", f)
			}
		})
	}
}

// The agent's exit status decides the host's error, even though the
// stream ended with its final event.
func TestAgentExitStatusDecides(t *testing.T) {
	lockTimeout := func(t *testing.T) *eventtest.Run {
		return eventtest.NewRun(t, "r1", "fake-1").Add(event.TypeLockWaiting, event.StatusInfo, "", "held by run r0", nil).
			Add(event.TypeAgentError, event.StatusFailed, "", "host lock held by run r0 (pid 42) for 5m", nil).Finish()
	}
	badPlan := func(t *testing.T) *eventtest.Run {
		return eventtest.NewRun(t, "r1", "fake-1").Add(event.TypeAgentError, event.StatusFailed, "", `plan: unknown step "fireball"`, nil).Finish()
	}
	stepFailed := func(t *testing.T) *eventtest.Run {
		return eventtest.NewRun(t, "r1", "fake-1").Started("facts", "firewall").Step("facts", event.StatusOK, "ok").
			Step("firewall", event.StatusFailed, "iptables-restore: exit status 1").Finish()
	}
	for _, tc := range []struct {
		name   string
		script func(*testing.T) *eventtest.Run
		code   int
		is     error // nil: must be neither busy nor steps failed
		want   string
		status Status
	}{
		{"lock timeout", lockTimeout, 3, ErrHostBusy, "host lock held by run r0", StatusUnreachable},
		{"bad plan", badPlan, 2, nil, `agent rejected the plan: plan: unknown step "fireball"`, StatusFailed},
		{"step failed", stepFailed, 1, ErrStepsFailed, "step firewall: iptables-restore: exit status 1", StatusFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newAgentHost(t)
			h.run = exits(tc.script(t), tc.code, "agent: exiting\n")
			var rec recorded
			err := agentPhase().Run(t.Context(), rec.on(h.target(false)))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to say %q", err, tc.want)
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("err = %v, want errors.Is %v", err, tc.is)
			}
			if tc.is == nil && (errors.Is(err, ErrHostBusy) || errors.Is(err, ErrStepsFailed)) {
				t.Errorf("err = %v: a rejected plan is neither busy nor a failed step", err)
			}
			if got := Classify(err); got != tc.status {
				t.Errorf("Classify = %s, want %s", got, tc.status)
			}
			if len(h.dialed) != 0 {
				t.Errorf("%d new connections for a run that applied no firewall change", len(h.dialed))
			}
		})
	}
}

// In --check, firewall drift is a finding: the agent phase succeeds (later
// phases still run) and the Manager ends the host non-compliant.
func TestCheckModeDriftIsANonCompliantFinding(t *testing.T) {
	h := newAgentHost(t)
	diff := "-A CK8S-INPUT -p tcp --dport 8080 -j ACCEPT\n"
	script := eventtest.NewRun(t, "r1", "fake-1").Started("firewall").StepStarted("firewall").
		Add(event.TypeFirewallDrift, event.StatusFailed, "firewall", "1 rule differs", map[string]string{"diff": diff}).
		StepFinished("firewall", event.StatusOK, "ok").Finish()
	h.run = exits(script, 0, "")
	var rec recorded
	tg := h.target(true)
	first := tg.Client.(*remotetest.Conn)
	tg.Client = nil // Connect dials it
	dialed := 0
	tg.Dialer = func(ctx context.Context) (remote.Conn, error) {
		dialed++
		return first, nil
	}
	rec.on(tg)
	m := &Manager{Phases: []Phase{Connect{}, agentPhase()}, Forks: 1}
	m.Run(t.Context(), []*Target{tg})
	r := tg.Result
	if r.Status != StatusFailed || !errors.Is(r.Err(), ErrNonCompliant) || !strings.Contains(r.Error, "firewall drift: 1 rule differs") {
		t.Fatalf("status %s, err %v: want failed, non-compliant with the drift", r.Status, r.Err())
	}
	if r.Phase != "agent" || r.Firewall == nil || r.Firewall.Diff != diff {
		t.Errorf("phase %q, firewall %+v", r.Phase, r.Firewall)
	}
	if dialed != 1 || !first.Closed() || len(h.callsOf(confirmRequest)) != 0 {
		t.Errorf("dials %d, closed %v, confirms %d: want one connection, closed by the Manager, no confirm in check mode",
			dialed, first.Closed(), len(h.callsOf(confirmRequest)))
	}
}

// The host's connection drops after a few events: the agent phase gets
// the rest from the journal over a new connection, and records each event
// once.
func TestAgentResumesOverANewConnection(t *testing.T) {
	h := newAgentHost(t)
	script := eventtest.NewRun(t, "r1", "fake-1").Started("facts").Step("facts", event.StatusOK, "ok").Finish()
	h.run = func(_ context.Context, _ io.Reader, stdout, _ io.Writer) error {
		for _, l := range script.Lines(0)[:2] {
			if _, err := stdout.Write(l); err != nil {
				return err
			}
		}
		return fmt.Errorf("%w: EOF", remote.ErrConnectionLost)
	}
	var journal atomic.Int32
	tg := h.target(false)
	tg.Dialer = func(ctx context.Context) (remote.Conn, error) {
		c, _ := h.dial(ctx)
		rc := c.(*remotetest.Conn)
		inner := rc.Handle
		rc.Handle = func(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
			if sc, _ := remotetest.ParseShC(cmd); len(sc.Args) > 0 && sc.Args[0] == "journal" {
				journal.Add(1)
				_, err := stdout.Write(script.NDJSON()) // from seq 1: the Runner drops what it has
				return err
			}
			return inner(ctx, cmd, stdin, stdout, stderr)
		}
		return rc, nil
	}
	var rec recorded
	if err := agentPhase().Run(t.Context(), rec.on(tg)); err != nil {
		t.Fatal(err)
	}
	if journal.Load() != 1 || tg.Result.Resumed != 1 || len(rec.evs) != len(script.Events) {
		t.Fatalf("journal replays %d, resumed %d, recorded %d of %d events", journal.Load(), tg.Result.Resumed, len(rec.evs), len(script.Events))
	}
	for i, e := range rec.evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("recorded event %d has seq %d", i, e.Seq)
		}
	}
}

// A read-only run (a sweep) whose DNS preflight fails goes on: the dns
// step's failure is a dns.mismatch finding, the firewall's drift another,
// and the agent's "a step failed" is no error of its own.
func TestCheckModeDNSFailureIsAFinding(t *testing.T) {
	h := newAgentHost(t)
	script := eventtest.NewRun(t, "r1", "fake-1").Started("dns", "facts", "firewall").
		StepStarted("dns").Add(event.TypeDNSFailed, event.StatusFailed, "dns", "split horizon: the host's resolver answers 198.18.9.9", nil).
		StepFinished("dns", event.StatusFailed, "DNS preflight: split horizon").
		Step("facts", event.StatusOK, "ok").
		StepStarted("firewall").Add(event.TypeFirewallDrift, event.StatusFailed, "firewall", "1 rule differs", map[string]string{"diff": "-tcp dport 8080 accept\n"}).
		StepFinished("firewall", event.StatusOK, "ok").Finish()
	h.run = exits(script, 1, "")
	var rec recorded
	tg := rec.on(h.target(true))
	if err := agentPhase().Run(t.Context(), tg); err != nil {
		t.Fatalf("a finding became the host's error: %v", err)
	}
	var codes []string
	for _, f := range tg.Result.Findings {
		codes = append(codes, f.Code)
	}
	if !slices.Equal(codes, []string{CodeDNSMismatch, CodeFirewallDrift}) {
		t.Errorf("findings %v, want dns.mismatch and firewall.drift", codes)
	}
	if err := tg.Result.critical(); !errors.Is(err, ErrDNSPreflight) || !errors.Is(err, ErrNonCompliant) {
		t.Errorf("critical = %v", err)
	}

	// The same failure in a run that changes hosts is the host's error.
	h = newAgentHost(t)
	h.run = exits(script, 1, "")
	if err := agentPhase().Run(t.Context(), rec.on(h.target(false))); !errors.Is(err, ErrStepsFailed) {
		t.Errorf("bootstrap: err %v, want ErrStepsFailed", err)
	}
}

// An agent that answers garbage (a broken binary, a shell profile that
// prints, a hostile host) fails its host with the reason and the lines,
// never the run: the other host is untouched and nothing is recorded.
func TestGarbageFromTheAgent(t *testing.T) {
	bad, good := newAgentHost(t), newAgentHost(t)
	bad.run = func(_ context.Context, _ io.Reader, stdout, _ io.Writer) error {
		_, err := io.WriteString(stdout, "Welcome to host!\n{\"seq\": \"x\"}\n\x00\xff\xfe not json\n")
		return err
	}
	good.run = exits(eventtest.NewRun(t, "r1", "fake-1").Started("facts").Step("facts", event.StatusOK, "ok").Finish(), 0, "")
	var recBad, recGood recorded
	tb, tgood := recBad.on(bad.target(true)), recGood.on(good.target(true))
	tb.Client, tgood.Client = nil, nil
	tb.Dialer, tgood.Dialer = func(context.Context) (remote.Conn, error) { return bad.conn("bad"), nil },
		func(context.Context) (remote.Conn, error) { return good.conn("good"), nil }
	m := &Manager{Phases: []Phase{Connect{}, agentPhase()}, Forks: 2}
	m.Run(t.Context(), []*Target{tb, tgood})
	if r := tb.Result; r.Status != StatusFailed || !strings.Contains(r.Error, "without its final event") || len(r.Invalid) != 3 || len(r.Findings) != 0 {
		t.Errorf("garbage host: status %s, error %q, %d invalid lines, findings %v", r.Status, r.Error, len(r.Invalid), r.Findings)
	}
	if len(recBad.evs) != 0 {
		t.Errorf("garbage recorded as events: %+v", recBad.evs)
	}
	if r := tgood.Result; r.Status != StatusOK {
		t.Errorf("the other host: %s %s", r.Status, r.Error)
	}
}
