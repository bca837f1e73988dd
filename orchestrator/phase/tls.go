package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// ErrTLSNonCompliant means a host served the domain with a certificate or
// TLS setup that fails the check (untrusted, wrong name, expired or
// expiring, old TLS, not reachable on the port): a check failure (exit 1),
// retryable once the certificate is fixed.
var ErrTLSNonCompliant = errors.New("TLS check failed")

// TLS is the outside TLS check of the playbook's domain, after the port
// scan: it connects to each of the host's addresses with the domain as
// SNI and judges what it is served (orchestrator/tlscheck). Each address
// is recorded as tls.check.passed or tls.check.failed (data: the report,
// public certificate fields only), numbered after the host's last event.
// A failure is a finding: the host is non-compliant, later phases still
// run and earlier findings stay in the error.
type TLS struct {
	// Addrs returns the host's addresses to check. Nil disables the phase.
	Addrs func(host string) []netip.Addr
	// Port is the HTTPS port, tlscheck.DefaultPort if zero.
	Port uint16
	// Config is the check without Addr: Domain, Roots, MinValid, Timeout.
	Config   tlscheck.Config
	Record   func(context.Context, event.Event) error
	Progress func(event.Event)
}

// Title implements Phase.
func (TLS) Title() string { return "tls" }

// Enabled implements Optional.
func (c TLS) Enabled(*Target) bool { return c.Addrs != nil }

// Run implements Phase.
func (c TLS) Run(ctx context.Context, t *Target) error {
	if c.Addrs == nil {
		return nil
	}
	addrs := c.Addrs(t.Name)
	if len(addrs) == 0 {
		return fmt.Errorf("TLS check of %s: no IP address to connect to (address is a name and no expectIPs)", t.Name)
	}
	var failed []error
	for _, a := range addrs {
		rep, err := c.check(ctx, a)
		if err != nil {
			return fmt.Errorf("TLS check of %s: %w", t.Name, err)
		}
		t.Result.TLS = append(t.Result.TLS, rep)
		st := event.StatusOK
		if !rep.Passed {
			st = event.StatusFailed
			failed = append(failed, errors.New(rep.Summary()))
		}
		rec := recorder{record: c.Record, progress: c.Progress, step: "tls"}
		if err := rec.emit(ctx, t, rep.EventType(), st, rep.Summary(), rep); err != nil {
			return fmt.Errorf("recording the TLS check of %s: %w", t.Name, err)
		}
	}
	if len(failed) > 0 {
		t.Result.findings = append(t.Result.findings, fmt.Errorf("%w: %w", ErrTLSNonCompliant, errors.Join(failed...)))
	}
	return nil
}

// check runs one address, its scope guard allowing that address only.
func (c TLS) check(ctx context.Context, a netip.Addr) (*tlscheck.Report, error) {
	port := c.Port
	if port == 0 {
		port = tlscheck.DefaultPort
	}
	cfg := c.Config
	a = a.Unmap()
	cfg.Addr = netip.AddrPortFrom(a, port)
	cfg.Allow = []netip.Prefix{netip.PrefixFrom(a, a.BitLen())}
	return tlscheck.Check(ctx, cfg)
}

// recorder stores the events a phase of the orchestrator adds for a host.
// The store keys events by (run, host, seq) and the agent numbered
// 1..LastSeq, so these continue from there.
type recorder struct {
	record   func(context.Context, event.Event) error
	progress func(event.Event)
	step     string
}

func (r recorder) emit(ctx context.Context, t *Target, typ string, st event.Status, msg string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	t.Result.LastSeq++
	e := event.Event{Time: time.Now().UTC(), RunID: t.Plan.RunID, Host: t.Name, Seq: t.Result.LastSeq,
		Type: typ, Step: r.step, Status: st, Message: msg, Data: raw}
	if err := r.record(ctx, e); err != nil {
		return err
	}
	t.Result.Events++
	if r.progress != nil {
		r.progress(e)
	}
	return nil
}
