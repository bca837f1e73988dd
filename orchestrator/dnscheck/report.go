package dnscheck

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
)

// Report is the outcome of a preflight: every server's answer and every
// finding. It is the data of the dns.preflight.* events.
type Report struct {
	Domain    string       `json:"domain"`
	Zone      string       `json:"zone,omitempty"`
	Expect    []netip.Addr `json:"expect"`
	Resolvers []string     `json:"resolvers,omitempty"` // configured servers used to find the NS
	Servers   []ServerView `json:"servers"`
	CAA       CAAView      `json:"caa"`
	Findings  []Finding    `json:"findings,omitempty"`
	Attempts  int          `json:"attempts"`
	Passed    bool         `json:"passed"`
	Seconds   float64      `json:"durationSeconds"`
}

// ServerView is what one authoritative server answered.
type ServerView struct {
	Server string        `json:"server"`
	NS     string        `json:"ns,omitempty"` // its NS name, when found through a resolver
	Addrs  []netip.Addr  `json:"addrs"`
	Chain  []string      `json:"cname,omitempty"`
	Diff   dnsquery.Diff `json:"diff"`
	Kind   dnsquery.Kind `json:"errorKind,omitempty"`
	Error  string        `json:"error,omitempty"`
	OK     bool          `json:"ok"`
}

// Finding is one reason the preflight fails.
type Finding struct {
	Server  string        `json:"server,omitempty"`
	Kind    dnsquery.Kind `json:"kind,omitempty"`
	Message string        `json:"message"`
}

func (f Finding) Error() string { return f.Message }

func (r *Report) add(server string, kind dnsquery.Kind, format string, a ...any) {
	r.Findings = append(r.Findings, Finding{Server: server, Kind: kind, Message: fmt.Sprintf(format, a...)})
}

// Err is every finding joined, or nil when the preflight passed.
func (r *Report) Err() error {
	if r.Passed {
		return nil
	}
	errs := make([]error, len(r.Findings))
	for i, f := range r.Findings {
		errs[i] = f
	}
	if len(errs) == 0 {
		return errors.New("DNS preflight failed")
	}
	return errors.Join(errs...)
}

// Stale lists the servers whose answer is wrong or missing.
func (r *Report) Stale() []string {
	var out []string
	for _, s := range r.Servers {
		if !s.OK {
			out = append(out, s.Server)
		}
	}
	return out
}

// Summary is one line for logs, errors and the report table.
func (r *Report) Summary() string {
	if r.Passed {
		return fmt.Sprintf("%s resolves to %s on all %d authoritative server(s); CAA: %s",
			strings.TrimSuffix(r.Domain, "."), dnsquery.Join(r.Expect), len(r.Servers), r.CAA.Reason)
	}
	msgs := make([]string, len(r.Findings))
	for i, f := range r.Findings {
		msgs[i] = f.Message
	}
	return fmt.Sprintf("DNS preflight for %s failed: %s", strings.TrimSuffix(r.Domain, "."), strings.Join(msgs, "; "))
}
