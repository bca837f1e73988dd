package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// TestScanBadInput: bad targets and port lists are refused with exit 2 and
// a message naming what is wrong, before anything is sent.
func TestScanBadInput(t *testing.T) {
	for _, tc := range []struct {
		args []string
		msg  string
	}{
		{[]string{"scan"}, "no targets"},
		{[]string{"scan", "db.example.com"}, `target "db.example.com": not an IP address`},
		{[]string{"scan", "198.18.0.1x"}, `target "198.18.0.1x"`},
		{[]string{"scan", "--ports", "80-22", "127.0.0.1"}, `flag --ports: port list item "80-22"`},
		{[]string{"scan", "--ports", "0", "127.0.0.1"}, `flag --ports`},
		{[]string{"scan", "--expect", "ssh", "127.0.0.1"}, `flag --expect`},
		{[]string{"scan", "-o", "xml", "127.0.0.1"}, `flag --output`},
		{[]string{"scan", "--concurrency", "0", "127.0.0.1"}, `must be positive`},
		{[]string{"scan", "127.0.0.1", "--ports", "1-10"}, `flags go before the targets`},
		{[]string{"scan", "-p", "/nonexistent.yaml", "lab-1"}, `cannot read playbook`},
	} {
		r := ck8sctl(t, tc.args...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 and %q", tc.args, r.code, r.stderr, tc.msg)
		}
	}
}

// TestScanLab scans a lab host by playbook name (its IPv4 address and the
// IPv6 one of expectIPs): every decoy is unexpected (exit 1); expecting
// them all is compliant (exit 0); an address with nothing behind it is
// unreachable (exit 3).
func TestScanLab(t *testing.T) {
	testenv.RequireRoot(t)
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	r := ck8sctl(t, "scan", "-p", l.PlaybookFile, "-o", "json", h.Name)
	var out struct {
		Targets  []scan.Finding
		ExitCode int
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != ExitFailed || len(out.Targets) != 2 {
		t.Fatalf("exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	for i, want := range []string{h.Addr4.String(), h.Addr6.String()} {
		f := out.Targets[i]
		if f.Target != want || f.Host != h.Name || scan.FormatPorts(f.Unexpected) != "5432,6443,8080,9100,10250" || len(f.Missing) != 0 {
			t.Errorf("target %d: %+v", i, f)
		}
	}
	if r.stderr != "ck8sctl: scan: 2 of 2 target(s) not compliant\n" {
		t.Errorf("stderr with -o json: %q (want no progress)", r.stderr)
	}
	r = ck8sctl(t, "scan", "--expect", "22,80,443,5432,6443,8080,9100,10250", h.Addr4.String(), h.Addr6.String())
	if r.code != ExitOK || strings.Count(r.stdout, "compliant") != 2 {
		t.Fatalf("expecting every decoy: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	absent := h.Addr4.Next().Next().Next() // in the lab subnet, no host
	r = ck8sctl(t, "scan", "--ports", "1-500", "--timeout", "200ms", absent.String())
	if r.code != ExitUnreachable || !strings.Contains(r.stdout, "unreachable") {
		t.Fatalf("absent host %s: exit %d\n%s\n%s", absent, r.code, r.stdout, r.stderr)
	}
}

// TestBootstrapScanPhase: with `checks: ports:` in the playbook, bootstrap
// ends with the outside scan. Before hardening (--check: the firewall only
// reports its drift) the lab's decoys make the host non-compliant (exit 1),
// recorded as ports.scan.completed per address and ports.unexpected_open
// per port, numbered after the agent's events; after bootstrap hardened
// it, exactly 22/80/443 are open on IPv4 and IPv6.
func TestBootstrapScanPhase(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	spec := hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)}
	pb := writePlaybook(t, l, l.KnownHostsFile, "checks:\n  ports:\n    expect: [22, 80, 443]\n", spec)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	r := ck8sctl(t, "bootstrap", "--check", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitFailed {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := r.report(t)
	res := rep.Hosts[0]
	if res.Status != phase.StatusFailed || res.Phase != "scan" || !strings.Contains(res.Error, "unexpected open 5432,6443,8080,9100,10250") ||
		!strings.Contains(res.Error, "firewall drift") || len(res.Scan) != 2 {
		t.Fatalf("host result: %+v", res)
	}
	evs := storedEvents(t, db, rep.ID)
	var agentLast, completed, unexpected int64
	for i, e := range evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: seqs must run 1..N", i, e.Seq)
		}
		switch e.Type {
		case event.TypePortsScanCompleted:
			completed++
		case event.TypePortsUnexpectedOpen:
			unexpected++
		case event.TypePortsExposure: // the join with the listeners, last (exposure_test.go)
		default:
			if completed+unexpected > 0 {
				t.Errorf("agent event %s after the scan's", e.Type)
			}
			agentLast = e.Seq
		}
	}
	if completed != 2 || unexpected != 10 || agentLast == 0 {
		t.Fatalf("%d ports.scan.completed, %d ports.unexpected_open after agent seq %d; want 2 and 10", completed, unexpected, agentLast)
	}
	r = ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("bootstrap: exit %d, want 0\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range r.report(t).Hosts[0].Scan {
		if scan.FormatPorts(f.Open) != "22,80,443" || !f.Compliant {
			t.Errorf("after hardening, %s: open %v compliant %t; want exactly 22,80,443", f.Target, f.Open, f.Compliant)
		}
	}
	bad := ck8sctl(t, "bootstrap", "-p", writePlaybook(t, l, l.KnownHostsFile, "checks:\n  ports:\n    range: 9-1\n", spec), "--db", db)
	if bad.code != ExitBadInput || !strings.Contains(bad.stderr, "checks.ports.range") {
		t.Fatalf("bad range: exit %d %s", bad.code, bad.stderr)
	}
}
