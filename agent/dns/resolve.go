package dns

import (
	"context"
	"fmt"
	"net/netip"
	"time"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
)

// HostView is what the host's own resolver said about the domain.
type HostView struct {
	ResolvConf *ResolvConf   `json:"resolvConf"`
	Server     string        `json:"server,omitempty"` // the nameserver that answered
	Name       string        `json:"name,omitempty"`   // the candidate name answered
	Addrs      []netip.Addr  `json:"addrs"`
	Chain      []string      `json:"cname,omitempty"`
	Diff       dnsquery.Diff `json:"diff"`
	Tried      []string      `json:"tried,omitempty"` // failures on the way, in order
	Kind       dnsquery.Kind `json:"errorKind,omitempty"`
	Error      string        `json:"error,omitempty"`
	OK         bool          `json:"ok"`
	Seconds    float64       `json:"durationSeconds"`
}

// Resolve looks domain up as the host's stub resolver would: the candidate
// names in search order; for each, up to Attempts rounds over the
// nameservers in order, moving on from a server that fails (timeout,
// SERVFAIL, REFUSED) and from a name that does not exist. maxTimeout, if
// positive, caps resolv.conf's per-query timeout.
func Resolve(ctx context.Context, rc *ResolvConf, domain string, maxTimeout time.Duration) HostView {
	start := time.Now()
	timeout := rc.Timeout
	if maxTimeout > 0 {
		timeout = min(timeout, maxTimeout)
	}
	c := &dnsquery.Client{Timeout: timeout, Attempts: 1}
	v := HostView{ResolvConf: rc}
	var firstErr error
	for _, name := range rc.Candidates(domain) {
		ans, err := resolveName(ctx, c, rc, name, &v)
		if err == nil {
			v.Server, v.Name, v.Addrs, v.Chain = ans.Server, name, ans.Addrs, ans.Chain
			v.Seconds = time.Since(start).Seconds()
			return v
		}
		if firstErr == nil || dnsquery.KindOf(firstErr) == dnsquery.KindNXDomain {
			firstErr = err
		}
	}
	v.Kind, v.Error = dnsquery.KindOf(firstErr), firstErr.Error()
	v.Seconds = time.Since(start).Seconds()
	return v
}

// resolveName asks the nameservers for one candidate name. NXDOMAIN and
// NODATA are answers (the stub moves to the next candidate); other errors
// move to the next server.
func resolveName(ctx context.Context, c *dnsquery.Client, rc *ResolvConf, name string, v *HostView) (dnsquery.Answer, error) {
	var last error
	for range rc.Attempts {
		for _, ns := range rc.Nameservers {
			ans, err := c.Addresses(ctx, ns, name, dnsquery.Mode{Recurse: true})
			if err == nil {
				return ans, nil
			}
			v.Tried = append(v.Tried, err.Error())
			last = err
			if k := dnsquery.KindOf(err); k == dnsquery.KindNXDomain || k == dnsquery.KindNoData {
				return ans, err
			}
			if ctx.Err() != nil {
				return ans, fmt.Errorf("resolving %s: %w", name, ctx.Err())
			}
		}
	}
	return dnsquery.Answer{}, last
}
