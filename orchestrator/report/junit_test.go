package report

import (
	"bytes"
	"encoding/xml"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
)

// TestJUnitGolden pins -o junit for the sample sweep and checks it
// against the Jenkins-style schema: CI systems are the consumers.
func TestJUnitGolden(t *testing.T) {
	out := renderJUnit(t, sample())
	golden(t, "junit.golden.xml", out)
	validateJUnit(t, out)

	doc := decodeJUnit(t, out)
	if doc.Name != "ck8sctl sweep" || doc.Tests != 13 || doc.Failures != 2 || doc.Errors != 1 || doc.Time != "12.000" {
		t.Errorf("testsuites: %s tests=%d failures=%d errors=%d time=%s", doc.Name, doc.Tests, doc.Failures, doc.Errors, doc.Time)
	}
	want := map[string]map[string]string{
		"web-1": {"connect": "pass", "dns": "pass", "firewall": "pass", "ports": "pass", "tls": "pass"},
		"web-2": {"connect": "pass", "dns": "pass", "firewall": "failure firewall.drift", "ports": "failure port.unexpected_open"},
		"web-3": {"connect": "error unreachable", "dns": "skipped", "firewall": "skipped", "ports": "skipped"},
	}
	for _, s := range doc.Suites {
		if got := outcomes(s); !maps.Equal(got, want[s.Name]) {
			t.Errorf("%s: %v, want %v", s.Name, got, want[s.Name])
		}
	}
	web1, web2, web3 := doc.Suites[0], doc.Suites[1], doc.Suites[2]
	if c := findCase(t, web1, "tls"); !strings.Contains(c.SystemOut, "warning tls.expiring: 198.18.0.2:443: certificate expires in 20 days") {
		t.Errorf("web-1 tls: the warning is not in system-out: %+v", c)
	}
	if web1.Hostname != "198.18.0.2" || web1.Timestamp != "2026-12-01T20:00:00Z" || web1.Time != "1.500" {
		t.Errorf("web-1 attributes: %+v", web1)
	}
	if f := findCase(t, web2, "firewall").Failure; f.Message != "firewall drift: 1 rule differs" ||
		!strings.Contains(f.Body, "+add rule inet ck8s input tcp dport 8080 accept") {
		t.Errorf("web-2 firewall failure lacks its message or diff: %+v", f)
	}
	if e := findCase(t, web3, "connect").Error; e.Message != "connecting to web-3: host unreachable" {
		t.Errorf("web-3 connect error: %+v", e)
	}
	if web3.Skipped != 3 || web3.Errors != 1 {
		t.Errorf("web-3 counts: %+v", web3)
	}
}

// TestJUnitMapping: which testcases a host gets and how each ends.
func TestJUnitMapping(t *testing.T) {
	crit := func(check, code, msg string) phase.Finding {
		return phase.Finding{Check: check, Code: code, Severity: phase.SeverityCritical, Message: msg}
	}
	tests := []struct {
		name string
		res  *phase.Result
		want map[string]string
	}{
		{"manifests drift fails its own testcase", &phase.Result{Host: "h", Status: phase.StatusFailed,
			Findings:  []phase.Finding{crit("manifests", phase.CodeManifestsDrift, "manifests drift: 1 object")},
			Manifests: &phase.ManifestsOutcome{State: phase.ManifestsDrift, Diff: "-a\n+b\n"}},
			map[string]string{"connect": "pass", "dns": "pass", "firewall": "pass", "manifests": "failure manifests.drift", "ports": "pass"}},
		{"a step that broke without a finding is an error; the host could not be checked", &phase.Result{Host: "h", Status: phase.StatusFailed,
			Error: "agent ended without its final event",
			Steps: []phase.Step{{Name: "dns", Status: event.StatusOK}, {Name: "firewall", Status: event.StatusFailed, Message: "nft: exit status 1"}}},
			map[string]string{"connect": "error unreachable", "dns": "skipped", "firewall": "skipped", "ports": "skipped", "step firewall": "error step.failed"}},
		{"a failed step with a finding is reported by its check only", &phase.Result{Host: "h", Status: phase.StatusFailed,
			Steps:    []phase.Step{{Name: "firewall", Status: event.StatusFailed}},
			Findings: []phase.Finding{crit("firewall", phase.CodeFirewallDrift, "firewall drift")}},
			map[string]string{"connect": "pass", "dns": "pass", "firewall": "failure firewall.drift", "ports": "pass"}},
		{"http01 and unknown checks get a testcase from their finding", &phase.Result{Host: "h", Status: phase.StatusFailed,
			Findings: []phase.Finding{crit("http01", phase.CodeHTTP01Failed, "no answer"), crit("ntp", "ntp.skew", "clock 9s off")}},
			map[string]string{"connect": "pass", "dns": "pass", "firewall": "pass", "ports": "pass", "http01": "failure http01.failed", "ntp": "failure ntp.skew"}},
		{"an unreachable host's warning is kept, not skipped", &phase.Result{Host: "h", Status: phase.StatusUnreachable,
			TLS:      []*tlscheck.Report{{Addr: "198.18.0.9:443"}},
			Findings: []phase.Finding{{Check: "tls", Code: phase.CodeTLSExpiring, Severity: phase.SeverityWarning, Message: "expires in 3 days"}}},
			map[string]string{"connect": "error unreachable", "dns": "skipped", "firewall": "skipped", "ports": "skipped", "tls": "pass"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := renderJUnit(t, New(Meta{Action: "sweep"}, []*phase.Result{tt.res}, time.Second))
			doc := decodeJUnit(t, out)
			if got := outcomes(doc.Suites[0]); !maps.Equal(got, tt.want) {
				t.Errorf("got %v\nwant %v\n%s", got, tt.want, out)
			}
			validateJUnit(t, out)
		})
	}
}

// TestJUnitFailureListsEveryFinding: one failure per testcase (CI shows
// the first only), naming the first critical code, with every finding of
// the check in its body.
func TestJUnitFailureListsEveryFinding(t *testing.T) {
	r := New(Meta{}, []*phase.Result{{Host: "h", Status: phase.StatusFailed, Findings: []phase.Finding{
		{Check: "ports", Code: phase.CodePortUnexpectedOpen, Severity: phase.SeverityCritical, Message: "a: unexpected open 8080"},
		{Check: "ports", Code: phase.CodePortExpectedClosed, Severity: phase.SeverityCritical, Message: "a: expected closed 443"},
	}}}, 0)
	f := findCase(t, decodeJUnit(t, renderJUnit(t, r)).Suites[0], "ports").Failure
	if f.Type != phase.CodePortUnexpectedOpen || f.Message != "a: unexpected open 8080; a: expected closed 443" ||
		f.Body != "critical port.unexpected_open: a: unexpected open 8080\ncritical port.expected_closed: a: expected closed 443\n" {
		t.Errorf("failure: %+v", f)
	}
}

// TestJUnitHostileStrings: names, errors and step messages come from
// hosts and playbooks; markup, control characters and invalid UTF-8 must
// still give a valid document.
func TestJUnitHostileStrings(t *testing.T) {
	nasty := "a<b>&\"c\"'\x00\x1b[31m\xff\n]]>"
	r := New(Meta{Action: "sweep", Started: time.Now()}, []*phase.Result{
		{Host: nasty, Address: nasty, Status: phase.StatusUnreachable, Error: nasty, Invalid: []string{nasty}},
		{Host: "h", Status: phase.StatusFailed, AgentVersion: nasty, Steps: []phase.Step{{Name: nasty, Status: event.StatusFailed, Message: nasty}},
			Findings: []phase.Finding{{Check: nasty, Code: nasty, Severity: phase.SeverityCritical, Message: nasty}}},
	}, time.Second)
	out := renderJUnit(t, r)
	doc := decodeJUnit(t, out)
	if !strings.HasPrefix(doc.Suites[0].Name, "a<b>&\"c\"'") {
		t.Errorf("host name not round-tripped: %q", doc.Suites[0].Name)
	}
	validateJUnit(t, out)
}

// TestJUnitSchemaRejects: the schema and xmllint do fail a bad document;
// a validation that passes everything would prove nothing.
func TestJUnitSchemaRejects(t *testing.T) {
	good := string(renderJUnit(t, sample()))
	for name, bad := range map[string]string{
		"no count":           strings.Replace(good, `tests="13" `, "", 1),
		"count not a number": strings.Replace(good, `failures="2"`, `failures="two"`, 1),
		"skipped on the root, which the xUnit plugin rejects": strings.Replace(good, `<testsuites `, `<testsuites skipped="3" `, 1),
		"two outcomes":           strings.Replace(good, `<skipped message`, `<error type="x"></error><skipped message`, 1),
		"failure without a type": strings.Replace(good, `<failure type="firewall.drift" `, `<failure `, 1),
	} {
		if bad == good {
			t.Fatalf("%s: the mutation did not apply", name)
		}
		t.Run(name, func(t *testing.T) {
			xmllint := requireTool(t, "xmllint", "libxml2-utils")
			path := filepath.Join(t.TempDir(), "junit.xml")
			if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join("testdata", "junit.xsd"), path).Run(); err == nil {
				t.Errorf("xmllint accepted it")
			}
		})
	}
}

func renderJUnit(t *testing.T, r Run) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, "junit", r); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// decodeJUnit parses a report back and checks that every count attribute
// is the count of what it counts: the schema cannot.
func decodeJUnit(t *testing.T, out []byte) junitSuites {
	t.Helper()
	var doc junitSuites
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var tests, failures, errors int
	for _, s := range doc.Suites {
		var n [4]int
		for _, c := range s.Cases {
			n[0]++
			n[1] += count(c.Failure)
			n[2] += count(c.Error)
			n[3] += count(c.Skipped)
			if count(c.Failure)+count(c.Error)+count(c.Skipped) > 1 {
				t.Errorf("%s/%s: more than one outcome", s.Name, c.Name)
			}
		}
		if n != [4]int{s.Tests, s.Failures, s.Errors, s.Skipped} {
			t.Errorf("suite %s: counted tests, failures, errors, skipped %v; attributes say %d %d %d %d", s.Name, n, s.Tests, s.Failures, s.Errors, s.Skipped)
		}
		tests, failures, errors = tests+n[0], failures+n[1], errors+n[2]
	}
	if tests != doc.Tests || failures != doc.Failures || errors != doc.Errors {
		t.Errorf("testsuites: counted %d %d %d; attributes say %d %d %d", tests, failures, errors, doc.Tests, doc.Failures, doc.Errors)
	}
	return doc
}

func count(o *junitOutcome) int {
	if o == nil {
		return 0
	}
	return 1
}

// outcomes maps each testcase of s to pass, skipped, "failure TYPE" or
// "error TYPE".
func outcomes(s junitSuite) map[string]string {
	m := make(map[string]string, len(s.Cases))
	for _, c := range s.Cases {
		switch {
		case c.Failure != nil:
			m[c.Name] = "failure " + c.Failure.Type
		case c.Error != nil:
			m[c.Name] = "error " + c.Error.Type
		case c.Skipped != nil:
			m[c.Name] = "skipped"
		default:
			m[c.Name] = "pass"
		}
	}
	return m
}

func findCase(t *testing.T, s junitSuite, name string) junitCase {
	t.Helper()
	i := slices.IndexFunc(s.Cases, func(c junitCase) bool { return c.Name == name })
	if i < 0 {
		t.Fatalf("suite %s has no testcase %s", s.Name, name)
	}
	return s.Cases[i]
}

// validateJUnit checks out against testdata/junit.xsd with the real
// xmllint, in a subtest so that a laptop without it still runs the rest.
func validateJUnit(t *testing.T, out []byte) {
	t.Helper()
	t.Run("xsd", func(t *testing.T) {
		xmllint := requireTool(t, "xmllint", "libxml2-utils")
		path := filepath.Join(t.TempDir(), "junit.xml")
		if err := os.WriteFile(path, out, 0o600); err != nil {
			t.Fatal(err)
		}
		// --nonet: a schema or document must never make xmllint fetch.
		cmd := exec.Command(xmllint, "--noout", "--nonet", "--schema", filepath.Join("testdata", "junit.xsd"), path)
		if msg, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("xmllint: %v\n%s\n%s", err, msg, out)
		}
	})
}

// requireTool finds a program a test needs; missing, the test skips on a
// laptop and fails in CI, where hack/deps.sh installs it.
func requireTool(t *testing.T, name, pkg string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s not found in CI (Debian package %s, installed by hack/deps.sh)", name, pkg)
	}
	t.Skipf("%s not found (apt-get install %s)", name, pkg)
	return ""
}
