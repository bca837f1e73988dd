package web

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

// hostOf fills v from a host's report, as of now (certificate days are
// counted from the page's time, not the run's: a report read a week
// later must not say a certificate has the days it had then).
func hostOf(v hostView, h report.Host, now time.Time) hostView {
	v.Status, v.Phase, v.Error = string(h.Status), h.Phase, h.Error
	if v.Verdict == "" {
		v.Verdict = string(h.Verdict)
	}
	if h.Firewall != nil {
		v.Firewall = string(h.Firewall.State)
	}
	if h.Manifests != nil {
		v.Manifests = string(h.Manifests.State)
	}
	v.Scanned = h.Scan != nil
	v.Ports = unexpectedPorts(h)
	v.Cert = firstExpiry(h, now)
	for _, f := range h.Findings {
		v.Findings = append(v.Findings, findingView{Code: f.Code, Severity: string(f.Severity), Message: f.Message})
	}
	return v
}

// unexpectedPorts lists each port open from outside and not expected, per
// address, TCP then UDP, naming the process behind it when the host's
// listeners tell.
func unexpectedPorts(h report.Host) []string {
	var out []string
	for _, f := range h.Scan {
		for _, p := range f.Unexpected {
			out = append(out, portLabel(h, f, p, "tcp"))
		}
		if f.UDP != nil {
			for _, p := range f.UDP.Unexpected {
				out = append(out, portLabel(h, f, p, "udp"))
			}
		}
	}
	return out
}

func portLabel(h report.Host, f scan.Finding, port uint16, proto string) string {
	s := fmt.Sprintf("%d/%s on %s", port, proto, f.Target)
	for _, e := range h.Exposure {
		if e.Port == port && e.Verdict == phase.Violation && e.Process != "" && protoOf(e) == proto {
			return s + " (" + e.Process + ")"
		}
	}
	return s
}

// protoOf is an exposure's transport: listeners say tcp6 or udp6 for
// IPv6 sockets, and an open port with no listener has none (the scan is
// TCP).
func protoOf(e phase.Exposure) string {
	if strings.HasPrefix(e.Proto, "udp") {
		return "udp"
	}
	return "tcp"
}

// firstExpiry is the certificate to renew first among those the host's
// addresses served; nil when none was seen.
func firstExpiry(h report.Host, now time.Time) *certView {
	var first *certView
	for _, t := range h.TLS {
		if t == nil || t.Certificate == nil || t.Certificate.NotAfter.IsZero() {
			continue
		}
		na := t.Certificate.NotAfter
		if first != nil && !na.Before(first.NotAfter) {
			continue
		}
		days := int(math.Floor(na.Sub(now).Hours() / 24))
		class := "ok"
		if days < 0 {
			class = "expired"
		} else if float64(days) < t.MinValidDays {
			class = "expiring"
		}
		first = &certView{Domain: t.Domain, NotAfter: na, Days: days, Class: class}
	}
	return first
}
