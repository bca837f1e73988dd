package report

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// sample is a sweep of three hosts: one compliant with a warning, one
// non-compliant with drift and an open port, one unreachable.
func sample() Run {
	started := time.Date(2026, 12, 1, 20, 0, 0, 0, time.UTC)
	notAfter := started.Add(20 * 24 * time.Hour)
	ok := &phase.Result{Host: "web-1", Address: "198.18.0.2", Status: phase.StatusOK, Phase: "tls", AgentVersion: "v1.2.3",
		Events: 21, Duration: 1500 * time.Millisecond,
		Steps:    []phase.Step{{Name: "dns", Status: event.StatusOK, Duration: 30 * time.Millisecond}, {Name: "firewall", Status: event.StatusOK, Duration: 200 * time.Millisecond}},
		Findings: []phase.Finding{{Code: phase.CodeTLSExpiring, Severity: phase.SeverityWarning, Check: "tls", Message: "198.18.0.2:443: certificate expires in 20 days (2026-12-21)"}},
		Firewall: &phase.FirewallOutcome{State: phase.FirewallCompliant, Message: "no drift"},
		Metrics:  &facts.Metrics{CPUs: 2, Load1: 0.5, Memory: facts.Memory{TotalBytes: 2 << 30, AvailableBytes: 1 << 30}, Filesystems: []facts.Filesystem{{Mountpoint: "/", SizeBytes: 100, AvailBytes: 40}}},
		Scan:     []scan.Finding{{Target: "198.18.0.2", Ports: "1-65535", Open: []uint16{22, 80, 443}, Reachable: true, Compliant: true}},
		TLS:      []*tlscheck.Report{{Domain: "staging.lab.test", Addr: "198.18.0.2:443", Reachable: true, Passed: true, Certificate: &tlscheck.CertInfo{Subject: "CN=staging.lab.test", NotAfter: notAfter, DaysLeft: 20}}},
	}
	drift := &phase.Result{Host: "web-2", Address: "198.18.0.3", Status: phase.StatusFailed, Phase: "tls",
		Error: "not compliant: firewall drift: 1 rule differs", Events: 23, Duration: 2 * time.Second,
		Findings: []phase.Finding{
			{Code: phase.CodeFirewallDrift, Severity: phase.SeverityCritical, Check: "firewall", Message: "firewall drift: 1 rule differs"},
			{Code: phase.CodePortUnexpectedOpen, Severity: phase.SeverityCritical, Check: "ports", Message: "198.18.0.3: unexpected open 8080"},
		},
		Firewall: &phase.FirewallOutcome{State: phase.FirewallDrift, Message: "1 rule differs", Diff: "+add rule inet ck8s input tcp dport 8080 accept\n"},
		Scan:     []scan.Finding{{Target: "198.18.0.3", Ports: "1-65535", Open: []uint16{22, 80, 443, 8080}, Reachable: true, Verdict: scan.Verdict{Unexpected: []uint16{8080}}}},
	}
	down := &phase.Result{Host: "web-3", Address: "198.18.0.4", Status: phase.StatusUnreachable, Phase: "connect",
		Error: "connecting to web-3: host unreachable", Duration: 10 * time.Second}
	return New(Meta{ID: "0193a1b2-0000-7000-8000-000000000001", Action: "sweep", Playbook: "fleet.yaml", Started: started, Check: true},
		[]*phase.Result{ok, drift, down}, 12*time.Second)
}

// TestJSONGolden pins the report schema: a change to this file is a
// change to every consumer of -o json (and of serve's API).
func TestJSONGolden(t *testing.T) {
	var b bytes.Buffer
	if err := Write(&b, "json", sample()); err != nil {
		t.Fatal(err)
	}
	golden(t, "run.golden.json", b.Bytes())
	var back Run
	if err := json.Unmarshal(b.Bytes(), &back); err != nil || back.APIVersion != APIVersion || back.Kind != Kind {
		t.Fatalf("round trip: %v %+v", err, back)
	}
}

// TestSummaryAndExit: the worst host decides (unreachable beats failed),
// verdicts never mix "could not look" with "looked and found".
func TestSummaryAndExit(t *testing.T) {
	r := sample()
	want := Summary{Hosts: 3, Compliant: 1, NonCompliant: 1, Unreachable: 1, Critical: 2, Warnings: 1}
	if r.Summary != want || r.ExitCode != ExitUnreachable || r.Status != RunUnreachable {
		t.Fatalf("summary %+v exit %d status %s", r.Summary, r.ExitCode, r.Status)
	}
	for i, v := range []Verdict{Compliant, NonCompliant, Unreachable} {
		if r.Hosts[i].Verdict != v {
			t.Errorf("host %s: verdict %s, want %s", r.Hosts[i].Host, r.Hosts[i].Verdict, v)
		}
	}
	// A host whose agent broke without a finding could not be checked.
	broken := New(Meta{}, []*phase.Result{{Host: "x", Status: phase.StatusFailed, Error: "agent ended without its final event"}}, 0)
	if broken.Hosts[0].Verdict != Unreachable || broken.ExitCode != ExitFailed {
		t.Errorf("broken agent: verdict %s exit %d", broken.Hosts[0].Verdict, broken.ExitCode)
	}
	rolled := New(Meta{}, []*phase.Result{{Host: "x", Status: phase.StatusRolledBack}, {Host: "y", Status: phase.StatusFailed, Findings: r.Hosts[1].Findings}}, 0)
	if rolled.ExitCode != ExitRolledBack || rolled.Hosts[0].Verdict != NonCompliant || rolled.Summary.RolledBack != 1 {
		t.Errorf("rolled back: %+v", rolled)
	}
}

// TestSweepTable: the compliance table shows each verdict, the finding
// codes, open ports, certificate days and disk, then every finding.
func TestSweepTable(t *testing.T) {
	var b strings.Builder
	if err := Write(&b, "table", sample()); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"VERDICT", "web-1", "compliant", "tls.expiring", "22,80,443", " 20 ", "40%", "v1.2.3",
		"web-2: critical firewall.drift: firewall drift: 1 rule differs",
		"web-2: critical port.unexpected_open: 198.18.0.3: unexpected open 8080",
		"web-1: warning tls.expiring:",
		"web-3: unreachable: connecting to web-3: host unreachable",
		"== web-2: firewall drift ==\n+add rule inet ck8s input tcp dport 8080 accept\n",
		"3 host(s): 1 compliant, 1 non-compliant, 1 unreachable; 2 critical finding(s), 1 warning(s)",
		"exit 3",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
}

// TestTablePrintsDrift: a --check run's table shows each host's drift as
// the diffs found, firewall and manifests, so the user sees what would
// change without reading events.
func TestTablePrintsDrift(t *testing.T) {
	r := New(Meta{ID: "r1", Action: "harden", Check: true}, []*phase.Result{
		{Host: "lab-1", Status: phase.StatusFailed,
			Firewall:  &phase.FirewallOutcome{State: phase.FirewallDrift, Diff: "-add rule inet ck8s input tcp dport 8080 accept\n"},
			Manifests: &phase.ManifestsOutcome{State: phase.ManifestsDrift, Diff: "# deploy/clusterissuer.yaml:7: ClusterIssuer acme (updated)\n-    email: a@x\n+    email: b@x\n"}},
		{Host: "lab-2", Status: phase.StatusOK, Firewall: &phase.FirewallOutcome{State: phase.FirewallCompliant}},
	}, time.Second)
	var b strings.Builder
	if err := Write(&b, "table", r); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{
		"== lab-1: firewall drift ==\n-add rule inet ck8s input tcp dport 8080 accept\n",
		"== lab-1: manifests drift ==\n# deploy/clusterissuer.yaml:7: ClusterIssuer acme (updated)\n-    email: a@x\n+    email: b@x\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "lab-2: firewall") {
		t.Errorf("a compliant host's drift printed:\n%s", out)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after checking the change):\n%s", name, got)
	}
}

// TestTableEscapesHostText: what a host said (its errors, OS name, agent
// version, drift) reaches the terminal with control characters escaped: a
// window-title sequence or a CR cannot rewrite what the user sees.
func TestTableEscapesHostText(t *testing.T) {
	evil := "\x1b]0;pwned\a\rok"
	r := New(Meta{ID: "r1", Action: "harden"}, []*phase.Result{
		{Host: "lab-1", Status: phase.StatusFailed, Error: "agent said: " + evil,
			Firewall: &phase.FirewallOutcome{State: phase.FirewallDrift, Diff: "-rule " + evil + "\n"}},
	}, time.Second)
	for _, format := range []string{"table"} {
		var b strings.Builder
		if err := Write(&b, format, r); err != nil {
			t.Fatal(err)
		}
		out := b.String()
		if strings.ContainsAny(out, "\x1b\a\r") || !strings.Contains(out, `agent said: \x1b]0;pwned\a\rok`) || !strings.Contains(out, `-rule \x1b]0;pwned\a\rok`) {
			t.Errorf("%s output carries raw control characters or lost the text:\n%q", format, out)
		}
	}
	r.Action = "sweep"
	r.Hosts[0].Findings = []phase.Finding{{Code: "x", Severity: "critical", Message: evil}}
	var b strings.Builder
	if err := Write(&b, "table", r); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(b.String(), "\x1b\a\r") {
		t.Errorf("sweep table carries raw control characters:\n%q", b.String())
	}
}
