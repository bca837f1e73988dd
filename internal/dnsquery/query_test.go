package dnsquery_test

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/dnsquery"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
)

// serve starts a real authoritative server for the zone on loopback.
func serve(t *testing.T, records ...string) *labdns.Server {
	t.Helper()
	z, err := labdns.NewZone("staging.lab.test.", records...)
	if err != nil {
		t.Fatal(err)
	}
	s, err := labdns.Serve("127.0.0.1:0", z)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

var auth = dnsquery.Mode{Authoritative: true}

func TestAddressesAndErrorKinds(t *testing.T) {
	s := serve(t, "@ A 198.18.7.11", "@ AAAA 2001:db8:7::11", "www CNAME edge", "edge CNAME @",
		"loop1 CNAME loop2", "loop2 CNAME loop1", "txt TXT hello")
	c := &dnsquery.Client{Timeout: time.Second}
	ctx := context.Background()
	want := "198.18.7.11, 2001:db8:7::11"

	ans, err := c.Addresses(ctx, s.Addr, "staging.lab.test", auth)
	if err != nil || dnsquery.Join(ans.Addrs) != want {
		t.Fatalf("apex: %v %v", ans, err)
	}
	ans, err = c.Addresses(ctx, s.Addr, "www.staging.lab.test", auth)
	if err != nil || dnsquery.Join(ans.Addrs) != want || strings.Join(ans.Chain, ",") != "edge.staging.lab.test.,staging.lab.test." {
		t.Fatalf("CNAME chain: %+v %v", ans, err)
	}
	for name, kind := range map[string]dnsquery.Kind{
		"nope.staging.lab.test":  dnsquery.KindNXDomain,
		"txt.staging.lab.test":   dnsquery.KindNoData,
		"loop1.staging.lab.test": dnsquery.KindLoop,
		"other.test":             dnsquery.KindRefused,
	} {
		_, err := c.Addresses(ctx, s.Addr, name, auth)
		if dnsquery.KindOf(err) != kind {
			t.Errorf("%s: err %v, want kind %s", name, err, kind)
		}
	}
	for mode, kind := range map[labdns.Mode]dnsquery.Kind{labdns.Servfail: dnsquery.KindServfail, labdns.Refuse: dnsquery.KindRefused, labdns.Resolver: dnsquery.KindNotAuth} {
		s.SetMode(mode)
		_, err := c.Addresses(ctx, s.Addr, "staging.lab.test", auth)
		if dnsquery.KindOf(err) != kind || !strings.Contains(err.Error(), s.Addr) {
			t.Errorf("mode %d: err %v, want kind %s naming the server", mode, err, kind)
		}
	}
}

func TestTruncatedAnswerIsAskedAgainOverTCP(t *testing.T) {
	s := serve(t, "@ A 198.18.7.11")
	s.SetMode(labdns.Truncate)
	c := &dnsquery.Client{Timeout: time.Second}
	ans, err := c.Addresses(context.Background(), s.Addr, "staging.lab.test", auth)
	if err != nil || len(ans.Addrs) != 1 || ans.Addrs[0] != netip.MustParseAddr("198.18.7.11") {
		t.Fatalf("over TCP: %+v %v", ans, err)
	}
}

func TestSilentServerTimesOut(t *testing.T) {
	s := serve(t, "@ A 198.18.7.11")
	s.SetMode(labdns.Silent)
	c := &dnsquery.Client{Timeout: 150 * time.Millisecond, Attempts: 2}
	start := time.Now()
	_, err := c.Exchange(context.Background(), s.Addr, dnsquery.Question("staging.lab.test", dns.TypeA, false))
	if dnsquery.KindOf(err) != dnsquery.KindTimeout || !strings.Contains(err.Error(), "timeout: no reply") {
		t.Fatalf("err %v, want a timeout", err)
	}
	if d := time.Since(start); d > time.Second || s.Queries() != 2 {
		t.Errorf("took %s with %d queries, want 2 tries of 150ms", d, s.Queries())
	}
}

func TestCompare(t *testing.T) {
	a := func(s ...string) []netip.Addr {
		var out []netip.Addr
		for _, x := range s {
			out = append(out, netip.MustParseAddr(x))
		}
		return out
	}
	d := dnsquery.Compare(a("198.18.0.11", "2001:db8::11"), a("198.18.0.99", "2001:db8::11", "198.18.0.99"))
	if d.OK() || d.String() != "missing 198.18.0.11, unexpected 198.18.0.99" {
		t.Errorf("diff = %q", d)
	}
	if !dnsquery.Compare(a("198.18.0.11"), a("198.18.0.11")).OK() {
		t.Error("equal sets differ")
	}
	if got := dnsquery.Join(dnsquery.Sort(a("2001:db8::1", "198.18.0.2", "198.18.0.2"))); got != "198.18.0.2, 2001:db8::1" {
		t.Errorf("Sort = %s", got)
	}
}
