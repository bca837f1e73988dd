package dnscheck

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
)

// Backoff between attempts while waiting: from first, doubling, at most max.
const (
	firstBackoff = 250 * time.Millisecond
	maxBackoff   = 10 * time.Second
)

// Check runs the preflight. It returns an error only for a bad Config; DNS
// problems are findings in the report (Passed false, Err non-nil).
func Check(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg.Nameservers = append([]string(nil), cfg.Nameservers...)
	cfg.defaults()
	start := cfg.Now()
	deadline := start.Add(cfg.Wait)
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		rep := once(ctx, &cfg)
		rep.Attempts = attempt
		rep.Seconds = cfg.Now().Sub(start).Seconds()
		left := deadline.Sub(cfg.Now())
		if rep.Passed || cfg.Wait <= 0 || ctx.Err() != nil || left <= 0 {
			if !rep.Passed && cfg.Wait > 0 {
				rep.add("", "", "gave up after %d attempt(s) in %s; still stale: %s", attempt,
					cfg.Now().Sub(start).Round(time.Millisecond), strings.Join(orNone(rep.Stale()), ", "))
			}
			return rep, nil
		}
		d := min(backoff, left)
		if cfg.OnRetry != nil {
			cfg.OnRetry(rep, d)
		}
		if cfg.Sleep(ctx, d) != nil {
			return rep, nil
		}
		backoff = min(2*backoff, maxBackoff)
	}
}

// once is one pass over every server.
func once(ctx context.Context, cfg *Config) *Report {
	c := &dnsquery.Client{Timeout: cfg.Timeout, Attempts: cfg.Attempts}
	rep := &Report{Domain: cfg.Domain, Expect: dnsquery.Sort(append(cfg.Expect[:0:0], cfg.Expect...))}
	auth := findServers(ctx, c, cfg, rep)
	rep.Servers = make([]ServerView, len(auth))
	var wg sync.WaitGroup
	for i, s := range auth {
		rep.Servers[i] = s
		if s.Kind != "" {
			continue // the probe already failed; its error is the answer
		}
		wg.Go(func() { rep.Servers[i] = askServer(ctx, c, cfg, rep.Expect, s) })
	}
	wg.Wait()
	for _, s := range rep.Servers {
		if !s.OK {
			rep.add(s.Server, s.Kind, "%s", s.Error)
		}
	}
	if len(rep.Servers) == 0 {
		rep.add("", "", "no authoritative server found for %s", cfg.Domain)
	}
	rep.CAA = checkCAA(ctx, c, cfg, rep.Zone, okServers(rep.Servers), rep.Resolvers)
	if !rep.CAA.Allowed {
		rep.add(rep.CAA.Server, rep.CAA.Kind, "CAA: %s", rep.CAA.Reason)
	}
	rep.Passed = len(rep.Findings) == 0
	return rep
}

// askServer asks one authoritative server for the domain's addresses.
func askServer(ctx context.Context, c *dnsquery.Client, cfg *Config, want []netip.Addr, s ServerView) ServerView {
	ans, err := c.Addresses(ctx, s.Server, cfg.Domain, dnsquery.Mode{Authoritative: true})
	s.Addrs, s.Chain = ans.Addrs, ans.Chain
	if err != nil {
		s.Kind, s.Error = dnsquery.KindOf(err), err.Error()
		return s
	}
	s.Diff = dnsquery.Compare(want, ans.Addrs)
	s.OK = s.Diff.OK()
	if !s.OK {
		s.Kind = KindMismatch
		s.Error = "stale or wrong: " + dnsquery.Mismatch(s.Server, want, ans.Addrs)
		if len(ans.Chain) > 0 {
			s.Error += fmt.Sprintf(" (via CNAME %s)", strings.Join(ans.Chain, " → "))
		}
	}
	return s
}

// okServers are the servers that answered, right or wrong: CAA can be
// asked of them.
func okServers(views []ServerView) []string {
	var out []string
	for _, s := range views {
		switch s.Kind {
		case "", KindMismatch, dnsquery.KindNXDomain, dnsquery.KindNoData: // it answered
			out = append(out, s.Server)
		}
	}
	return out
}

func orNone(s []string) []string {
	if len(s) == 0 {
		return []string{"none (see CAA)"}
	}
	return s
}
