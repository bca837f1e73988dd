// Package http01 is the agent's http01 step, the host half of the ACME
// http-01 rehearsal. If port 80 is free it serves the orchestrator's token
// at /.well-known/acme-challenge/<token>, on 0.0.0.0:80 and [::]:80, emits
// acme.http01.serving and keeps serving until the orchestrator says its
// fetches are done (a DELETE of the challenge path) or the plan's window
// ends, whichever is first: the step never waits longer than the window.
// If port 80 is taken (an ingress controller) it emits acme.http01.occupied
// naming the owner, and the orchestrator checks what answers there instead.
// The verdict is the orchestrator's: only it sees the host from outside.
//
// The step is not a step.Checker: it binds a port, so check mode skips it.
package http01

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/agent/listeners"
	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// Step is the http01 step.
type Step struct{}

// New returns the http01 step.
func New() Step { return Step{} }

// Name implements step.Step.
func (Step) Name() string { return "http01" }

// Stopped is the data of acme.http01.stopped.
type Stopped struct {
	// Reason is "told" (the orchestrator's DELETE), "window" or "cancelled".
	Reason string `json:"reason"`
	// Served counts challenge requests answered with the body.
	Served int `json:"served"`
	// AcceptErrors counts failed accepts, each retried after a backoff.
	AcceptErrors int `json:"acceptErrors,omitempty"`
}

// Run implements step.Step. A rehearsal that cannot even start is its own
// failed verdict: the orchestrator, which never saw it serve, sends none.
func (s Step) Run(ctx context.Context, env *step.Env) error {
	err := s.run(ctx, env)
	if err != nil && env.Plan.HTTP01 != nil {
		if werr := WriteVerdict(env.Plan.Dir(), env.Plan.RunID, Verdict{Reason: err.Error()}); werr != nil {
			env.Log.Warn("recording the failed rehearsal", "err", werr)
		}
	}
	return err
}

func (Step) run(ctx context.Context, env *step.Env) error {
	p := env.Plan.HTTP01
	if p == nil {
		env.Log.Info("no http-01 rehearsal in the plan")
		return nil
	}
	port := p.Port
	if port == 0 {
		port = 80
	}
	lns, why, err := listen(port)
	if err != nil {
		return fmt.Errorf("http-01 rehearsal: %w", err)
	}
	if len(lns) == 0 {
		return occupied(env, p, port, why)
	}
	return serve(ctx, env, p, port, lns)
}

// listen binds port on both families. A port in use on either family
// means occupied (no listener returned, why says which); a family the
// host lacks (no IPv6) is skipped.
func listen(port int) (lns []net.Listener, why []string, err error) {
	for _, a := range [][2]string{{"tcp4", "0.0.0.0"}, {"tcp6", "::"}} {
		// "tcp6" sets IPV6_V6ONLY: two sockets, as an ingress has them.
		ln, lerr := net.Listen(a[0], net.JoinHostPort(a[1], strconv.Itoa(port)))
		switch {
		case lerr == nil:
			lns = append(lns, ln)
		case errors.Is(lerr, syscall.EADDRINUSE):
			why = append(why, lerr.Error())
		case a[0] == "tcp6" && (errors.Is(lerr, syscall.EAFNOSUPPORT) || errors.Is(lerr, syscall.EADDRNOTAVAIL)):
			// No IPv6 on this host: the orchestrator's v6 fetch will say so.
		default:
			err = errors.Join(err, lerr)
		}
	}
	if err != nil || len(why) > 0 {
		for _, ln := range lns {
			ln.Close()
		}
		return nil, why, err
	}
	if len(lns) == 0 {
		return nil, nil, fmt.Errorf("port %d: no address family to listen on", port)
	}
	return lns, nil, nil
}

func occupied(env *step.Env, p *plan.HTTP01Plan, port int, why []string) error {
	st := plan.HTTP01Status{Mode: plan.HTTP01Occupied, Token: p.Token, Path: plan.ChallengePath(p.Token), Port: port, Why: why}
	// Who holds it is best effort: the rehearsal works without the name.
	if ls, err := listeners.Collect(env.Path); err == nil {
		st.Owners = ownersOf(ls, port)
	} else {
		env.Log.Warn("listing port owners", "err", err)
	}
	env.Emit(event.TypeHTTP01Occupied, event.StatusInfo, fmt.Sprintf("port %d is taken by %s: the orchestrator checks that it answers %s over HTTP",
		port, ownerNames(st.Owners), st.Path), st)
	return nil
}

func ownersOf(ls []facts.Listener, port int) []facts.Listener {
	var out []facts.Listener
	for _, l := range ls {
		if int(l.Port) == port && !l.Loopback() {
			out = append(out, l)
		}
	}
	return out
}

func ownerNames(ls []facts.Listener) string {
	var names []string
	seen := map[string]bool{}
	for _, l := range ls {
		n := l.Process
		if n == "" {
			n = "an unknown process"
		} else if l.PID != 0 {
			n = fmt.Sprintf("%s (pid %d)", n, l.PID)
		}
		if !seen[n] {
			seen[n] = true
			names = append(names, n)
		}
	}
	if len(names) == 0 {
		return "an unknown process"
	}
	return strings.Join(names, ", ")
}

func serve(ctx context.Context, env *step.Env, p *plan.HTTP01Plan, port int, lns []net.Listener) error {
	h := &handler{path: plan.ChallengePath(p.Token), body: p.Body, secret: p.StopSecret, done: make(chan struct{})}
	st := plan.HTTP01Status{Mode: plan.HTTP01Serving, Token: p.Token, Path: h.path, Port: port}
	var conns sync.WaitGroup
	for _, ln := range lns {
		st.Listen = append(st.Listen, ln.Addr().String())
		go h.accept(ln, &conns)
	}
	window := time.Duration(p.Window)
	st.Deadline = time.Now().Add(window).UTC()
	env.Emit(event.TypeHTTP01Serving, event.StatusInfo, fmt.Sprintf("serving %s on %s for at most %s", h.path, strings.Join(st.Listen, " and "), window), st)
	timer := time.NewTimer(window)
	defer timer.Stop()
	var stop Stopped
	var err error
	select {
	case <-h.done:
		stop.Reason = "told"
	case <-timer.C:
		stop.Reason = "window"
	case <-ctx.Done():
		stop.Reason, err = "cancelled", ctx.Err()
	}
	for _, ln := range lns {
		ln.Close()
	}
	conns.Wait() // each connection is bounded by connTimeout
	stop.Served, stop.AcceptErrors = h.count()
	env.Emit(event.TypeHTTP01Stopped, event.StatusInfo, fmt.Sprintf("stopped serving %s (%s) after %d fetch(es)", h.path, stop.Reason, stop.Served), stop)
	if err != nil {
		return fmt.Errorf("http-01 rehearsal: serving port %d: %w", port, err)
	}
	return nil
}
