package playbook

import (
	"fmt"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// Checks configures the checks made from outside the hosts: the port scan,
// the TLS check and the ACME http-01 rehearsal after the agent in
// bootstrap, and the thresholds of `ck8sctl sweep`.
type Checks struct {
	Ports  *PortsCheck  // nil: no outside port scan
	TLS    *TLSCheck    // nil: section absent (the run may still turn it on by default)
	HTTP01 *HTTP01Check // nil: section absent
	Sweep  SweepCheck   // thresholds for `ck8sctl sweep` (always set, defaults applied)
}

// HTTP01Check is `checks: http01:`. Its presence turns the ACME http-01
// rehearsal on in bootstrap (a manifests section does too, by default).
type HTTP01Check struct {
	Timeout time.Duration // per fetch, redirects included; in (0, 1m]
}

// DefaultHTTP01Timeout is the rehearsal's fetch timeout. It is at most a
// minute: the agent serves the challenge, and the run waits, for as long.
const (
	DefaultHTTP01Timeout = 10 * time.Second
	maxHTTP01Timeout     = time.Minute
)

var (
	checksKeys = []string{"ports", "tls", "http01", "sweep"}
	http01Keys = []string{"timeout"}
)

// checks decodes the section; every key but sweep is nil when absent, and
// a key written alone (`tls:`) means its defaults.
func (d *decoder) checks(n *yaml.Node) Checks {
	out := Checks{Sweep: defaultSweep()}
	m, ok := d.entries(n, "checks", checksKeys, unknownKey(checksKeys))
	if !ok {
		return out
	}
	if v, ok := m["ports"]; ok {
		out.Ports = d.portsCheck(v)
	}
	if v, ok := m["tls"]; ok {
		out.TLS = d.tlsCheck(v)
	}
	if v, ok := m["http01"]; ok {
		out.HTTP01 = d.http01Check(v)
	}
	out.Sweep = d.sweep(m["sweep"])
	return out
}

// DefaultHTTP01Check is what `http01:` alone means, and what a run that
// turns the rehearsal on without the section uses.
func DefaultHTTP01Check() *HTTP01Check { return &HTTP01Check{Timeout: DefaultHTTP01Timeout} }

func (d *decoder) http01Check(n *yaml.Node) *HTTP01Check {
	const p = "checks.http01"
	out := DefaultHTTP01Check()
	m, _ := d.checkSection(n, p, http01Keys...)
	if v := m["timeout"]; v != nil {
		out.Timeout = d.positive(v, p+".timeout", maxHTTP01Timeout, out.Timeout)
	}
	return out
}

// checkSection is mapping for the sections under checks: an unknown key
// lists the known ones, since each section has only a few.
func (d *decoder) checkSection(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, bool) {
	m, ok := d.entries(n, path, known, unknownKey(known))
	dropNulls(m)
	return m, ok
}

// unknownKey words the complaint about a key not in known:
// `unknown key (ports, tls, http01, sweep); did you mean "tls"?`.
func unknownKey(known []string) func(string) string {
	return func(k string) string {
		msg := fmt.Sprintf("unknown key (%s)", strings.Join(known, ", "))
		if s := nearest(k, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return msg
	}
}

// positive reads a duration in (0, limit], keeping def when it is not;
// limit 0 means no upper bound. Every check timeout is one of these: zero
// would fail every probe before it is sent.
func (d *decoder) positive(n *yaml.Node, path string, limit, def time.Duration) time.Duration {
	t, ok := d.duration(n, path)
	switch {
	case !ok:
		return def
	case t == 0:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be longer than 0s")
		return def
	case limit > 0 && t > limit:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be at most %s, got %s", short(limit), short(t))
		return def
	}
	return t
}

// short writes a duration as a playbook would: "7d", "1m", "1m30s".
func short(t time.Duration) string {
	const day = 24 * time.Hour
	if t >= day && t%day == 0 {
		return fmt.Sprintf("%dd", t/day)
	}
	s := t.String()
	if h, ok := strings.CutSuffix(s, "m0s"); ok {
		s = h + "m"
	}
	if h, ok := strings.CutSuffix(s, "h0m"); ok {
		s = h + "h"
	}
	return s
}
