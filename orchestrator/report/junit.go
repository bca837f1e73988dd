package report

import (
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// JUnit writes r as JUnit XML for CI systems: one testsuite per host, one
// testcase per check, so a CI page names the failing host and check in the
// words of the sweep table.
//
// The mapping keeps the report's two kinds of bad news apart, as verdicts
// do: "we looked and it is wrong" is a <failure> (a critical finding,
// type = its code), "we could not look" is an <error> (the connect
// testcase of an unreachable host, or an agent step that failed without a
// finding). A check of an unreachable host is <skipped/> unless it found
// something: a finding is never dropped. Warnings leave the testcase
// passing, listed in <system-out>, as they leave the host compliant.
//
// Elements and attributes are the Jenkins ones (testdata/junit.xsd).
// <testsuites> has no skipped count: the xUnit plugin's schema rejects one;
// each host's <testsuite> carries it.
func JUnit(w io.Writer, r Run) error {
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(junitRun(r)); err != nil {
		return fmt.Errorf("writing junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr"`
	Timestamp  string          `xml:"timestamp,attr,omitempty"`
	Hostname   string          `xml:"hostname,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *junitOutcome `xml:"failure,omitempty"`
	Error     *junitOutcome `xml:"error,omitempty"`
	Skipped   *junitOutcome `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

// junitOutcome is a <failure>, <error> or <skipped>: the three share
// their attributes in the Jenkins schema.
type junitOutcome struct {
	Type    string `xml:"type,attr,omitempty"`
	Message string `xml:"message,attr,omitempty"`
	Body    string `xml:",chardata"`
}

func junitRun(r Run) junitSuites {
	doc := junitSuites{Name: strings.TrimSpace("ck8sctl " + r.Action), Time: seconds(r.Duration)}
	for _, h := range r.Hosts {
		s := junitSuiteOf(h, r.Started)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	return doc
}

func junitSuiteOf(h Host, started time.Time) junitSuite {
	s := junitSuite{Name: h.Host, Time: seconds(h.Duration), Hostname: h.Address, Properties: junitProperties(h)}
	if !started.IsZero() {
		// The run's start: a host's own start is not in the report.
		s.Timestamp = started.UTC().Format(time.RFC3339)
	}
	s.Cases = append(s.Cases, connectCase(h))
	for _, check := range checksOf(h) {
		s.Cases = append(s.Cases, checkCase(h, check))
	}
	s.Cases = append(s.Cases, stepCases(h)...)
	for _, c := range s.Cases {
		s.Tests++
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
	return s
}

func junitProperties(h Host) []junitProperty {
	ps := []junitProperty{{"verdict", string(h.Verdict)}, {"status", string(h.Status)}, {"phase", h.Phase}}
	if h.AgentVersion != "" {
		ps = append(ps, junitProperty{"agentVersion", h.AgentVersion})
	}
	return ps
}

// connectCase is reachability: whether the checks could look at all.
func connectCase(h Host) junitCase {
	c := junitCase{Name: "connect", Classname: h.Host}
	if h.Verdict == Unreachable {
		c.Error = &junitOutcome{Type: string(Unreachable), Message: message(h)}
	}
	return c
}

// junitChecks are the checks in run order. dns, firewall and ports are
// reported for every host; the others only when the host has their
// outcome or a finding, as most playbooks do not enable them.
var junitChecks = []string{"dns", "firewall", "manifests", "ports", "tls", "http01"}

// checksOf is the checks reported for h, then any check named only by a
// finding, so that a finding of a check added later still fails CI.
func checksOf(h Host) []string {
	var out []string
	for _, c := range junitChecks {
		if ran(h, c) || hasFinding(h, c) {
			out = append(out, c)
		}
	}
	for _, f := range h.Findings {
		if !slices.Contains(out, f.Check) {
			out = append(out, f.Check)
		}
	}
	return out
}

func ran(h Host, check string) bool {
	switch check {
	case "manifests":
		return h.Manifests != nil
	case "tls":
		return len(h.TLS) > 0
	case "http01":
		return h.HTTP01 != nil
	}
	return true
}

func hasFinding(h Host, check string) bool {
	return slices.ContainsFunc(h.Findings, func(f phase.Finding) bool { return f.Check == check })
}

func checkCase(h Host, check string) junitCase {
	c := junitCase{Name: check, Classname: h.Host}
	var all, critical []phase.Finding
	for _, f := range h.Findings {
		if f.Check == check {
			all = append(all, f)
			if f.Severity == phase.SeverityCritical {
				critical = append(critical, f)
			}
		}
	}
	switch {
	case len(critical) > 0:
		msgs := make([]string, len(critical))
		for i, f := range critical {
			msgs[i] = f.Message
		}
		c.Failure = &junitOutcome{Type: critical[0].Code, Message: strings.Join(msgs, "; "), Body: findingLines(all) + diffOf(h, check)}
	case len(all) > 0:
		c.SystemOut = findingLines(all)
	case h.Verdict == Unreachable:
		c.Skipped = &junitOutcome{Message: "not checked: host unreachable"}
	}
	return c
}

func findingLines(fs []phase.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "%s %s: %s\n", f.Severity, f.Code, f.Message)
	}
	return b.String()
}

// diffOf is what a drift finding means in rules and manifests, so the CI
// page shows the change to make without the JSON report.
func diffOf(h Host, check string) string {
	switch {
	case check == "firewall" && h.Firewall != nil && h.Firewall.Diff != "":
		return "\n" + h.Firewall.Diff
	case check == "manifests" && h.Manifests != nil && h.Manifests.Diff != "":
		return "\n" + h.Manifests.Diff
	}
	return ""
}

// stepCases are the agent steps that failed without a finding of their
// check: something broke, and no check says what it means.
func stepCases(h Host) []junitCase {
	var out []junitCase
	for _, s := range h.Steps {
		if s.Status != event.StatusFailed || hasFinding(h, s.Name) {
			continue
		}
		msg := s.Message
		if msg == "" {
			msg = "step failed"
		}
		out = append(out, junitCase{Name: "step " + s.Name, Classname: h.Host, Time: seconds(s.Duration),
			Error: &junitOutcome{Type: "step.failed", Message: msg}})
	}
	return out
}

// seconds is d as JUnit writes times: decimal seconds, never negative
// (the Jenkins schema's time pattern has no sign).
func seconds(d time.Duration) string {
	return strconv.FormatFloat(max(d, 0).Seconds(), 'f', 3, 64)
}
