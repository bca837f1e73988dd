package phase

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// ErrPortsNonCompliant means the outside scan found an unexpected open port
// or an expected port closed: a check failure (exit 1), retryable once the
// firewall or the service is fixed.
var ErrPortsNonCompliant = errors.New("port exposure not compliant")

// Scan is the outside-in port check after the agent: it connects to every
// port of each of the host's addresses from the orchestrator, with no help
// from the agent, and judges the open set against Expect. It records
// ports.scan.completed per address, ports.unexpected_open per exposed
// port, ports.scan.skipped per facts address it would not probe and
// ports.exposure (the join with the agent's listeners), numbered after the
// agent's last event of the host. Non-compliance is a finding: later
// phases (the TLS check) still run.
type Scan struct {
	// Addrs returns the host's addresses from the playbook. Nil disables
	// the phase.
	Addrs func(host string) []netip.Addr
	// Facts, if set, adds the host's own addresses from the agent's facts.
	// The scanner's scope guard allows exactly the addresses scanned.
	Facts       *FactsAddrs
	Ports       []uint16
	Expect      []uint16
	UDP         []uint16 // probed too, best effort (scan.UDPResult)
	ExpectUDP   []uint16
	Concurrency int
	Timeout     time.Duration
	// Shared, if set, is the run's one scanner that every host's scan is
	// submitted to (one socket budget for the whole fleet); nil: each
	// host scans with its own Scanner of Concurrency sockets.
	Shared *scan.Shared
}

// Title implements Phase.
func (Scan) Title() string { return "scan" }

// Enabled implements Optional.
func (s Scan) Enabled(*Target) bool { return s.Addrs != nil }

// Run implements Phase.
func (s Scan) Run(ctx context.Context, t *Target) error {
	if s.Addrs == nil {
		return nil
	}
	addrs := s.Addrs(t.Name)
	if len(addrs) == 0 {
		return fmt.Errorf("scanning %s: no IP address to scan (address is a name and no expectIPs)", t.Name)
	}
	extra, skipped := s.Facts.addrs(t.Result.Facts, addrs)
	for _, sk := range skipped {
		t.Result.ScanSkipped = append(t.Result.ScanSkipped, sk)
		msg := fmt.Sprintf("%s (%s, from facts): %s", sk.Target, sk.Interface, sk.Reason)
		if err := s.emit(ctx, t, event.TypePortsScanSkipped, event.StatusSkipped, msg, sk); err != nil {
			return err
		}
	}
	all := slices.Concat(addrs, extra)
	res, err := s.scan(ctx, all)
	if err != nil {
		return fmt.Errorf("scanning %s: %w", t.Name, err)
	}
	for i, r := range res {
		src := SourcePlaybook
		if i >= len(addrs) {
			src = SourceFacts
		}
		f := scan.Judged(t.Name, r, scan.FormatPorts(s.Ports), s.Expect).WithUDP(r, s.ExpectUDP)
		t.Result.Scan = append(t.Result.Scan, f)
		if err := s.record(ctx, t, f, src); err != nil {
			return err
		}
		for _, p := range problems(f, src) {
			t.Result.add(p)
		}
	}
	return s.join(ctx, t)
}

// scan probes addrs on the run's shared scanner, or on one of its own.
func (s Scan) scan(ctx context.Context, addrs []netip.Addr) ([]*scan.Result, error) {
	if s.Shared != nil {
		return s.Shared.Scan(ctx, addrs)
	}
	sc := &scan.Scanner{Guard: scan.Hosts(addrs...), Concurrency: s.Concurrency, Timeout: s.Timeout, First: s.Expect, UDP: s.UDP}
	return sc.Scan(ctx, addrs, s.Ports)
}

// problems lists what makes f non-compliant. A playbook address where no
// port answers proves nothing (the host is down or the scan is blocked);
// a facts address may simply not be routed from here, which exposes
// nothing: it is reported (reachable false) but not a failure.
func problems(f scan.Finding, src string) []Finding {
	var out []Finding
	add := func(code, format string, a ...any) {
		out = append(out, newFinding("ports", code, SeverityCritical, ErrPortsNonCompliant, format, a...))
	}
	if !f.Reachable && src == SourcePlaybook {
		if why := f.Silence(); why != "" {
			add(CodePortNoAnswer, "%s: no port answered (%s)", f.Target, why)
		} else {
			add(CodePortNoAnswer, "%s: no port answered", f.Target)
		}
	}
	if len(f.Unexpected) > 0 {
		add(CodePortUnexpectedOpen, "%s: unexpected open %s", f.Target, scan.FormatPorts(f.Unexpected))
	}
	if len(f.Missing) > 0 && f.Reachable {
		add(CodePortExpectedClosed, "%s: expected closed %s", f.Target, scan.FormatPorts(f.Missing))
	}
	if u := f.UDP; u != nil && len(u.Unexpected) > 0 {
		add(CodePortUDPUnexpectedOpen, "%s: unexpected open udp %s", f.Target, scan.FormatPorts(u.Unexpected))
	}
	if u := f.UDP; u != nil && len(u.Missing) > 0 {
		add(CodePortUDPExpectedClosed, "%s: expected udp closed %s", f.Target, scan.FormatPorts(u.Missing))
	}
	return out
}

func messages(fs []Finding) string {
	parts := make([]string, len(fs))
	for i, f := range fs {
		parts[i] = f.Message
	}
	return strings.Join(parts, "; ")
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
func (s Scan) record(ctx context.Context, t *Target, f scan.Finding, src string) error {
	status, msg := event.StatusOK, fmt.Sprintf("%s: open %s, compliant", f.Target, scan.FormatPorts(f.Open))
	if !f.Reachable && src == SourceFacts {
		msg = f.Target + ": no port answered (not reachable from here: nothing exposed)"
	}
	if p := problems(f, src); len(p) > 0 {
		status, msg = event.StatusFailed, messages(p)
	}
	if src == SourceFacts {
		msg = "from facts: " + msg
	}
	data := struct {
		scan.Finding
		Source string `json:"source"`
	}{f, src}
	if err := s.emit(ctx, t, event.TypePortsScanCompleted, status, msg, data); err != nil {
		return err
	}
	for _, p := range f.Unexpected {
		data := map[string]any{"target": f.Target, "port": p, "expect": scan.FormatPorts(s.Expect)}
		if err := s.emit(ctx, t, event.TypePortsUnexpectedOpen, event.StatusFailed, fmt.Sprintf("%s port %d is open from outside", f.Target, p), data); err != nil {
			return err
		}
	}
	if f.UDP == nil {
		return nil
	}
	for _, p := range f.UDP.Unexpected {
		data := map[string]any{"target": f.Target, "port": p, "protocol": "udp", "expect": scan.FormatPorts(s.ExpectUDP)}
		if err := s.emit(ctx, t, event.TypePortsUnexpectedOpen, event.StatusFailed, fmt.Sprintf("%s udp port %d answers from outside", f.Target, p), data); err != nil {
			return err
		}
	}
	return nil
}

func (s Scan) emit(ctx context.Context, t *Target, typ string, st event.Status, msg string, data any) error {
	return t.Rec.Emit(ctx, t, "scan", typ, st, msg, data)
}
