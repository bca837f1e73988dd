package dnscheck

import (
	"context"
	"fmt"
	"strings"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
)

// CAAView is the CAA verdict: the record set that applies (the first found
// walking up from the domain, RFC 8659) and whether it allows the issuer.
type CAAView struct {
	Issuer  string        `json:"issuer"`
	At      string        `json:"at,omitempty"` // owner of the relevant record set
	Records []string      `json:"records,omitempty"`
	Checked []string      `json:"checked"` // names asked, from the domain up
	Server  string        `json:"server,omitempty"`
	Allowed bool          `json:"allowed"`
	Reason  string        `json:"reason"`
	Kind    dnsquery.Kind `json:"errorKind,omitempty"`
}

// checkCAA walks from the domain towards the root. Names inside the zone are
// asked of an authoritative server; names above it of a resolver, if one was
// configured (an authoritative server only knows its own zone).
func checkCAA(ctx context.Context, c *dnsquery.Client, cfg *Config, zone string, auth, resolvers []string) CAAView {
	v := CAAView{Issuer: cfg.CAAIssuer, Allowed: true}
	for name := cfg.Domain; name != "."; name = parent(name) {
		server, recurse := pickServer(name, zone, auth, resolvers)
		if server == "" {
			v.Reason = "no CAA records"
			if len(v.Checked) == 0 {
				v.Reason = "not checked: no server answered for the zone"
				v.Allowed = false
			} else if !dns.IsSubDomain(zone, name) {
				v.Reason += fmt.Sprintf(" in zone %s (names above it not checked: no resolver configured)", zone)
			}
			return v
		}
		v.Checked = append(v.Checked, name)
		recs, err := lookupCAA(ctx, c, server, name, recurse)
		if err != nil {
			// A CA treats a failed CAA lookup as "do not issue" (RFC 8659 §5.4).
			v.Server, v.Kind, v.Allowed = server, kindOrOther(err), false
			v.Reason = "lookup failed, which makes the CA refuse to issue: " + err.Error()
			return v
		}
		if len(recs) > 0 {
			v.At, v.Server = name, server
			for _, r := range recs {
				v.Records = append(v.Records, fmt.Sprintf("%d %s %q", r.Flag, r.Tag, r.Value))
			}
			v.Allowed, v.Reason = Allows(recs, cfg.CAAIssuer)
			return v
		}
	}
	v.Reason = "no CAA records: any CA may issue"
	return v
}

func pickServer(name, zone string, auth, resolvers []string) (string, bool) {
	if zone != "" && dns.IsSubDomain(zone, name) && len(auth) > 0 {
		return auth[0], false
	}
	if len(resolvers) > 0 {
		return resolvers[0], true
	}
	return "", false
}

// lookupCAA returns name's CAA records; NXDOMAIN and NODATA are "none".
func lookupCAA(ctx context.Context, c *dnsquery.Client, server, name string, recurse bool) ([]*dns.CAA, error) {
	q := dnsquery.Question(name, dns.TypeCAA, recurse)
	r, err := c.Exchange(ctx, server, q)
	if err != nil {
		return nil, err
	}
	if err := dnsquery.Check(server, q, r); err != nil && dnsquery.KindOf(err) != dnsquery.KindNXDomain {
		return nil, err
	}
	var out []*dns.CAA
	for _, rr := range r.Answer {
		if caa, ok := rr.(*dns.CAA); ok {
			out = append(out, caa)
		}
	}
	return out, nil
}

// Allows applies RFC 8659 to one CAA record set: an unknown tag marked
// critical forbids everything; without any "issue" tag issuance is not
// restricted; otherwise some "issue" value must name the issuer.
func Allows(recs []*dns.CAA, issuer string) (bool, string) {
	for _, r := range recs {
		switch tag := strings.ToLower(r.Tag); {
		case r.Flag&128 != 0 && tag != "issue" && tag != "issuewild" && tag != "iodef":
			return false, fmt.Sprintf("critical CAA tag %q is unknown, so no CA may issue", r.Tag)
		}
	}
	var allowed []string
	for _, r := range recs {
		if !strings.EqualFold(r.Tag, "issue") {
			continue
		}
		ca := strings.TrimSpace(strings.SplitN(r.Value, ";", 2)[0])
		if strings.EqualFold(ca, issuer) {
			return true, "allows " + issuer
		}
		if ca == "" {
			ca = `";" (no CA)`
		}
		allowed = append(allowed, ca)
	}
	if len(allowed) == 0 {
		return true, "CAA records do not restrict issuance (no issue tag)"
	}
	return false, fmt.Sprintf("forbids %s: only %s may issue", issuer, strings.Join(allowed, ", "))
}

func parent(name string) string {
	if i := strings.IndexByte(name, '.'); i >= 0 && i+1 < len(name) {
		return name[i+1:]
	}
	return "."
}
