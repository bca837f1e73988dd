package phase

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// ErrPortsNonCompliant means the outside scan found an unexpected open port
// or an expected port closed: a check failure (exit 1), retryable once the
// firewall or the service is fixed.
var ErrPortsNonCompliant = errors.New("port exposure not compliant")

// Scan is the outside-in port check, the last phase: it connects to every
// port of each of the host's addresses from the orchestrator, with no help
// from the agent, and judges the open set against Expect. It records
// ports.scan.completed per address, ports.unexpected_open per exposed
// port and ports.exposure (the join with the agent's listeners), numbered
// after the agent's last event of the host.
type Scan struct {
	// Addrs returns the host's addresses seen from outside; the scanner's
	// scope guard allows exactly these. Nil disables the phase.
	Addrs       func(host string) []netip.Addr
	Ports       []uint16
	Expect      []uint16
	Concurrency int
	Timeout     time.Duration
	Record      func(context.Context, event.Event) error
	Progress    func(event.Event)
}

// Title implements Phase.
func (Scan) Title() string { return "scan" }

// Run implements Phase.
func (s Scan) Run(ctx context.Context, t *Target) error {
	if s.Addrs == nil {
		return nil
	}
	addrs := s.Addrs(t.Name)
	if len(addrs) == 0 {
		return fmt.Errorf("scanning %s: no IP address to scan (address is a name and no expectIPs)", t.Name)
	}
	sc := &scan.Scanner{Guard: scan.Hosts(addrs...), Concurrency: s.Concurrency, Timeout: s.Timeout, First: s.Expect}
	res, err := sc.Scan(ctx, addrs, s.Ports)
	if err != nil {
		return fmt.Errorf("scanning %s: %w", t.Name, err)
	}
	var problems []string
	for _, r := range res {
		f := scan.Judged(t.Name, r, scan.FormatPorts(s.Ports), s.Expect)
		t.Result.Scan = append(t.Result.Scan, f)
		if err := s.record(ctx, t, f); err != nil {
			return fmt.Errorf("recording the scan of %s: %w", t.Name, err)
		}
		problems = append(problems, problem(f)...)
	}
	if err := s.join(ctx, t); err != nil {
		return fmt.Errorf("recording the exposure of %s: %w", t.Name, err)
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrPortsNonCompliant, strings.Join(problems, "; "))
	}
	return nil
}

func problem(f scan.Finding) []string {
	var out []string
	if !f.Reachable {
		out = append(out, f.Target+": no port answered")
	}
	if len(f.Unexpected) > 0 {
		out = append(out, fmt.Sprintf("%s: unexpected open %s", f.Target, scan.FormatPorts(f.Unexpected)))
	}
	if len(f.Missing) > 0 && f.Reachable {
		out = append(out, fmt.Sprintf("%s: expected closed %s", f.Target, scan.FormatPorts(f.Missing)))
	}
	return out
}

// join records ports.exposure: the agent's listeners against the findings.
// Without a listeners.collected event (an older agent, a step skipped)
// there is nothing to join: every open port would look forwarded.
func (s Scan) join(ctx context.Context, t *Target) error {
	if !t.Result.listed {
		return nil
	}
	t.Result.Exposure = ExposureOf(t.Result.Listeners, t.Result.Scan, s.Expect)
	msg, violation := exposureSummary(t.Result.Exposure)
	status := event.StatusOK
	if violation {
		status = event.StatusFailed
	}
	return s.emit(ctx, t, event.TypePortsExposure, status, msg, t.Result.Exposure)
}

// record stores the address's events. The store keys events by (run,
// host, seq); the agent numbered 1..LastSeq, so these continue from there.
func (s Scan) record(ctx context.Context, t *Target, f scan.Finding) error {
	status, msg := event.StatusOK, fmt.Sprintf("%s: open %s, compliant", f.Target, scan.FormatPorts(f.Open))
	if p := problem(f); len(p) > 0 {
		status, msg = event.StatusFailed, strings.Join(p, "; ")
	}
	if err := s.emit(ctx, t, event.TypePortsScanCompleted, status, msg, f); err != nil {
		return err
	}
	for _, p := range f.Unexpected {
		data := map[string]any{"target": f.Target, "port": p, "expect": scan.FormatPorts(s.Expect)}
		if err := s.emit(ctx, t, event.TypePortsUnexpectedOpen, event.StatusFailed, fmt.Sprintf("%s port %d is open from outside", f.Target, p), data); err != nil {
			return err
		}
	}
	return nil
}

func (s Scan) emit(ctx context.Context, t *Target, typ string, st event.Status, msg string, data any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	t.Result.LastSeq++
	e := event.Event{Time: time.Now().UTC(), RunID: t.Plan.RunID, Host: t.Name, Seq: t.Result.LastSeq,
		Type: typ, Step: "scan", Status: st, Message: msg, Data: raw}
	if err := s.Record(ctx, e); err != nil {
		return err
	}
	t.Result.Events++
	if s.Progress != nil {
		s.Progress(e)
	}
	return nil
}
