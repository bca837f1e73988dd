package dnscheck

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
)

const good = "198.18.7.11"

func zone(t *testing.T, records ...string) *labdns.Zone {
	t.Helper()
	z, err := labdns.NewZone("staging.lab.test.", records...)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

func serve(t *testing.T, addr string, z *labdns.Zone) *labdns.Server {
	t.Helper()
	s, err := labdns.Serve(addr, z)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func cfg(servers ...*labdns.Server) Config {
	c := Config{Domain: "staging.lab.test", Expect: []netip.Addr{netip.MustParseAddr(good)}, Timeout: 300 * time.Millisecond}
	for _, s := range servers {
		c.Nameservers = append(c.Nameservers, s.Addr)
	}
	return c
}

func check(t *testing.T, c Config) *Report {
	t.Helper()
	rep, err := Check(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func wantFailure(t *testing.T, rep *Report, parts ...string) {
	t.Helper()
	if rep.Passed {
		t.Fatalf("passed, want a failure: %s", rep.Summary())
	}
	for _, p := range parts {
		if !strings.Contains(rep.Summary(), p) {
			t.Errorf("summary %q lacks %q", rep.Summary(), p)
		}
	}
}

func TestTwoServersAgree(t *testing.T) {
	z := zone(t, "@ A "+good)
	a, b := serve(t, "127.0.0.1:0", z), serve(t, "127.0.0.1:0", z)
	rep := check(t, cfg(a, b))
	if !rep.Passed || len(rep.Servers) != 2 || rep.Zone != "staging.lab.test." || !rep.CAA.Allowed {
		t.Fatalf("report %+v: %s", rep, rep.Summary())
	}
}

func TestFailuresAreNamed(t *testing.T) {
	cases := []struct {
		name    string
		records []string
		mode    labdns.Mode
		parts   []string
	}{
		{"wrong ip", []string{"@ A 198.18.7.99"}, labdns.Answer, []string{"stale or wrong", "answers 198.18.7.99, expected 198.18.7.11", "missing 198.18.7.11, unexpected 198.18.7.99"}},
		{"unexpected aaaa", []string{"@ A " + good, "@ AAAA 2001:db8:7::99"}, labdns.Answer, []string{"unexpected 2001:db8:7::99"}},
		{"nxdomain", []string{"www A " + good}, labdns.Answer, []string{"NXDOMAIN: the name does not exist"}},
		{"nodata", []string{"@ TXT hello"}, labdns.Answer, []string{"NODATA", "neither A nor AAAA"}},
		{"servfail", []string{"@ A " + good}, labdns.Servfail, []string{"SERVFAIL"}},
		{"refused", []string{"@ A " + good}, labdns.Refuse, []string{"REFUSED"}},
		{"caa forbids", []string{"@ A " + good, `@ CAA 0 issue "pki.goog"`}, labdns.Answer, []string{"CAA: forbids letsencrypt.org: only pki.goog may issue"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := serve(t, "127.0.0.1:0", zone(t, c.records...))
			s.SetMode(c.mode)
			cf := cfg(s)
			if c.name == "nxdomain" {
				cf.Domain = "nope.staging.lab.test"
			}
			wantFailure(t, check(t, cf), c.parts...)
		})
	}
}

func TestCNAMEChainToTheRightAddressPasses(t *testing.T) {
	// A CNAME cannot sit at a zone apex, so the domain is a name below it.
	s := serve(t, "127.0.0.1:0", zone(t, "www CNAME edge", "edge CNAME lb", "lb A "+good))
	c := cfg(s)
	c.Domain = "www.staging.lab.test"
	rep := check(t, c)
	if !rep.Passed || strings.Join(rep.Servers[0].Chain, ",") != "edge.staging.lab.test.,lb.staging.lab.test." {
		t.Fatalf("%s %+v", rep.Summary(), rep.Servers)
	}
}

func TestSilentServerTimesOutClearly(t *testing.T) {
	ok := serve(t, "127.0.0.1:0", zone(t, "@ A "+good))
	silent := serve(t, "127.0.0.1:0", zone(t, "@ A "+good))
	silent.SetMode(labdns.Silent)
	start := time.Now()
	rep := check(t, cfg(ok, silent))
	wantFailure(t, rep, silent.Addr, "timeout: no reply", "nothing within 300ms")
	if d := time.Since(start); d > 6*time.Second {
		t.Errorf("took %s", d)
	}
	if st := rep.Stale(); len(st) != 1 || st[0] != silent.Addr {
		t.Errorf("stale = %v, want only the silent server", st)
	}
}

// fakeClock is the injected time: Sleep advances it instantly.
type fakeClock struct {
	now    time.Time
	sleeps []time.Duration
	onWake func(n int)
}

func (f *fakeClock) Now() time.Time { return f.now }
func (f *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	f.now = f.now.Add(d)
	f.sleeps = append(f.sleeps, d)
	if f.onWake != nil {
		f.onWake(len(f.sleeps))
	}
	return nil
}

func TestStaleServerIsFixedWithinTheWait(t *testing.T) {
	a := serve(t, "127.0.0.1:0", zone(t, "@ A "+good))
	b := serve(t, "127.0.0.1:0", zone(t, "@ A 198.18.7.99"))
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	var staleSeen []string
	clk.onWake = func(n int) {
		if n == 3 {
			_ = b.Zone().Replace("@", dns.TypeA, "@ A "+good)
		}
	}
	c := cfg(a, b)
	c.Wait, c.Now, c.Sleep = time.Minute, clk.Now, clk.Sleep
	c.OnRetry = func(r *Report, _ time.Duration) { staleSeen = append(staleSeen, strings.Join(r.Stale(), ",")) }
	rep := check(t, c)
	if !rep.Passed || rep.Attempts != 4 {
		t.Fatalf("attempts %d: %s", rep.Attempts, rep.Summary())
	}
	if len(staleSeen) != 3 || staleSeen[0] != b.Addr {
		t.Errorf("retries reported stale %q, want %s three times", staleSeen, b.Addr)
	}
	if fmt.Sprint(clk.sleeps) != "[250ms 500ms 1s]" {
		t.Errorf("backoff %v", clk.sleeps)
	}
}

func TestWaitGivesUpNamingTheStaleServer(t *testing.T) {
	a := serve(t, "127.0.0.1:0", zone(t, "@ A "+good))
	b := serve(t, "127.0.0.1:0", zone(t, "@ A 198.18.7.99"))
	clk := &fakeClock{now: time.Unix(1e9, 0)}
	c := cfg(a, b)
	c.Wait, c.Now, c.Sleep = 5*time.Second, clk.Now, clk.Sleep
	rep := check(t, c)
	wantFailure(t, rep, "gave up after", "still stale: "+b.Addr)
	var total time.Duration
	for _, d := range clk.sleeps {
		total += d
	}
	if total != 5*time.Second {
		t.Errorf("slept %s in %v, want exactly the 5s wait", total, clk.sleeps)
	}
}

// A configured resolver (no AA) leads to the zone's NS, whose servers are
// then asked directly on port 53.
func TestNameserversFoundThroughAResolver(t *testing.T) {
	testenv.RequireRoot(t) // port 53
	nsIP := fmt.Sprintf("127.53.%d.%d", rand.IntN(256), 1+rand.IntN(254))
	auth := serve(t, nsIP+":53", zone(t, "@ A "+good, "ns1 A "+nsIP))
	resolver := serve(t, "127.0.0.1:0", zone(t, "@ A "+good, "ns1 A "+nsIP))
	resolver.SetMode(labdns.Resolver)
	rep := check(t, cfg(resolver))
	if !rep.Passed || len(rep.Servers) != 1 || rep.Servers[0].Server != auth.Addr || rep.Servers[0].NS != "ns1.staging.lab.test." || rep.Resolvers[0] != resolver.Addr {
		t.Fatalf("%s\n%+v", rep.Summary(), rep)
	}
	if auth.Queries() == 0 {
		t.Error("the authoritative server was never asked")
	}
}

func TestValidate(t *testing.T) {
	c := Config{Domain: "localhost", Nameservers: []string{"dns.test"}, Wait: -1}
	err := c.Validate()
	for _, want := range []string{"domain:", "expect:", "nameservers[0]:", "names are not resolved", "wait: negative"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, lacks %q", err, want)
		}
	}
	for in, want := range map[string]string{"198.18.0.1": "198.18.0.1:53", "[2001:db8::1]:5353": "[2001:db8::1]:5353", "2001:db8::1": "[2001:db8::1]:53"} {
		if got, err := ParseNameserver(in); got != want || err != nil {
			t.Errorf("ParseNameserver(%q) = %q, %v", in, got, err)
		}
	}
}

func TestAllows(t *testing.T) {
	caa := func(flag uint8, tag, value string) *dns.CAA { return &dns.CAA{Flag: flag, Tag: tag, Value: value} }
	cases := []struct {
		recs []*dns.CAA
		ok   bool
	}{
		{[]*dns.CAA{caa(0, "issue", "letsencrypt.org")}, true},
		{[]*dns.CAA{caa(0, "issue", "LetsEncrypt.org; validationmethods=http-01")}, true},
		{[]*dns.CAA{caa(0, "issue", "pki.goog"), caa(0, "issue", "letsencrypt.org")}, true},
		{[]*dns.CAA{caa(0, "issue", "pki.goog")}, false},
		{[]*dns.CAA{caa(0, "issue", ";")}, false},
		{[]*dns.CAA{caa(0, "iodef", "mailto:sec@example.test")}, true},
		{[]*dns.CAA{caa(0, "issuewild", "pki.goog")}, true}, // wildcards only
		{[]*dns.CAA{caa(0, "issue", "letsencrypt.org"), caa(128, "tbs", "x")}, false},
		{[]*dns.CAA{caa(0, "tbs", "x")}, true},
	}
	for i, c := range cases {
		if ok, why := Allows(c.recs, "letsencrypt.org"); ok != c.ok {
			t.Errorf("case %d: Allows = %v (%s), want %v", i, ok, why, c.ok)
		}
	}
}
