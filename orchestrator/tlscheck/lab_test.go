package tlscheck_test

import (
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

func TestMain(m *testing.M) { labtest.Main(m) }

const (
	domain = "www.staging.lab.test"
	day    = 24 * time.Hour
)

// server is one TLS server on the lab host and what the check should say.
type server struct {
	name       string
	cert       tls.Certificate
	minV, maxV uint16
	roots      *tlstest.CA // nil: the system roots
	want       []string    // failure messages (prefixes), in order; none: passes
	wantVer    string
}

// TestLab serves each kind of certificate from a lab host (inside its
// network namespace, reached over the lab bridge) and checks the verdict
// and the exact message of each.
func TestLab(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s lab root", O: "ck8s tests"})
	other := tlstest.NewCA(t, tlstest.Name{CN: "another root"})
	now := time.Now().Truncate(time.Second) // injected: messages are exact
	leaf := func(from, to time.Duration, names ...string) tls.Certificate {
		return ca.Issue(t, tlstest.Leaf{Names: names, NotBefore: now.Add(from), NotAfter: now.Add(to)})
	}
	stamp := func(d time.Duration) string { return now.Add(d).UTC().Format(time.RFC3339) }
	for _, s := range []server{
		{name: "valid", cert: ca.Valid(t, domain), roots: ca, wantVer: "TLS 1.3"},
		{name: "expired", cert: leaf(-100*day, -3*day-time.Hour, domain), roots: ca,
			want: []string{"validity: certificate expired at " + stamp(-3*day-time.Hour) + " (3 days ago)"}},
		{name: "not yet valid", cert: leaf(2*time.Hour, 90*day, domain), roots: ca,
			want: []string{"validity: certificate is not valid yet: notBefore " + stamp(2*time.Hour) + " is 2h0m0s from now"}},
		{name: "wrong name", cert: ca.Valid(t, "other.lab.test", "*.other.lab.test"), roots: ca,
			want: []string{"name: certificate is not valid for " + domain + ": it names other.lab.test, *.other.lab.test"}},
		{name: "untrusted: system roots", cert: ca.Valid(t, domain),
			want: []string{"chain: chain not trusted by system roots: x509: certificate signed by unknown authority"}},
		{name: "untrusted: another CA", cert: ca.Valid(t, domain), roots: other,
			want: []string{"chain: chain not trusted by the test CA bundle: x509: certificate signed by unknown authority"}},
		{name: "expiring within 14d", cert: leaf(-80*day, 10*day+time.Hour, domain), roots: ca,
			want: []string{"expiry: certificate expires at " + stamp(10*day+time.Hour) + ", in 10 days, within the minimum remaining validity of 14d"}},
		// Go 1.26 still serves TLS 1.0 when the server's MinVersion says so
		// explicitly (GODEBUG tls10server only changes the default
		// minimum), with an ECDSA certificate's ECDHE-ECDSA-AES-CBC-SHA
		// suites; the check's client sets MinVersion TLS 1.0 to reach it.
		{name: "TLS 1.0 only", cert: ca.Valid(t, domain), roots: ca, minV: tls.VersionTLS10, maxV: tls.VersionTLS10, wantVer: "TLS 1.0",
			want: []string{"version: negotiated TLS 1.0: at least TLS 1.2 is required"}},
		{name: "TLS 1.1 only", cert: ca.Valid(t, domain), roots: ca, minV: tls.VersionTLS11, maxV: tls.VersionTLS11, wantVer: "TLS 1.1",
			want: []string{"version: negotiated TLS 1.1: at least TLS 1.2 is required"}},
		{name: "TLS 1.2 only", cert: ca.Valid(t, domain), roots: ca, maxV: tls.VersionTLS12, wantVer: "TLS 1.2"},
	} {
		t.Run(s.name, func(t *testing.T) {
			port := tlstest.ServeIn(t, h.NetNS, s.cert, s.minV, s.maxV)
			for _, a := range []netip.Addr{h.Addr4, h.Addr6} {
				cfg := labConfig(netip.AddrPortFrom(a, port), now)
				if s.roots != nil {
					cfg.Roots, cfg.RootsName = s.roots.Pool(), "the test CA bundle"
				}
				r := check(t, cfg)
				wantFailures(t, r, s.want...)
				if !r.Reachable || r.Certificate == nil || (s.wantVer != "" && r.Version != s.wantVer) {
					t.Errorf("%s: reachable %v, version %s, certificate %+v", a, r.Reachable, r.Version, r.Certificate)
				}
			}
		})
	}
}

// TestLabUnreachable: a refused port and an address with no host behind it
// are unreachable (no certificate); a port that does not speak TLS is
// reachable with a handshake failure.
func TestLabUnreachable(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	r := check(t, labConfig(netip.AddrPortFrom(h.Addr4, 1), time.Now()))
	wantFailures(t, r, "connect: connecting to "+h.Addr4.String()+":1: dial tcp "+h.Addr4.String()+":1: connect: connection refused")
	absent := labConfig(netip.AddrPortFrom(h.Addr4.Next().Next().Next(), 443), time.Now())
	absent.Timeout = 300 * time.Millisecond
	if r := check(t, absent); r.Reachable || r.Passed || r.Findings[0].Check != "connect" {
		t.Errorf("absent host: %+v", r)
	}
	ln, err := scantest.ListenIn(h.NetNS, "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	scantest.Accept(ln) // accepts and hangs up, like a service that is not TLS
	r = check(t, labConfig(netip.AddrPortFrom(h.Addr6, uint16(ln.Addr().(*net.TCPAddr).Port)), time.Now()))
	if !r.Reachable || len(r.Findings) != 1 || !strings.HasPrefix(r.Findings[0].Message, "TLS handshake with [") {
		t.Errorf("not TLS: %+v", r)
	}
}

// TestResolver: without Addr the domain is resolved by the given resolver
// (the lab's DNS server on loopback, never the system's) and port 443 of
// the answer is checked: the lab host's decoy there serves a self-signed
// certificate for another name.
func TestResolver(t *testing.T) {
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	z, err := labdns.NewZone("staging.lab.test.", "www 60 IN A "+h.Addr4.String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := labdns.Serve("127.0.0.1:0", z)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	cfg := labConfig(netip.AddrPort{}, time.Now())
	cfg.Resolver = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, srv.Addr)
	}}
	r := check(t, cfg)
	if want := h.Addr4.String() + ":443"; r.Addr != want || !r.Reachable {
		t.Fatalf("addr %s (want %s), %+v", r.Addr, want, r)
	}
	wantFailures(t, r, "name: certificate is not valid for "+domain+": it names ck8s-lab-decoy",
		"chain: chain not trusted by system roots")
}

func labConfig(addr netip.AddrPort, now time.Time) tlscheck.Config {
	return tlscheck.Config{Domain: domain, Addr: addr, Allow: scan.LabPrefixes, MinValid: 14 * day,
		Timeout: 2 * time.Second, Now: func() time.Time { return now }}
}

func check(t *testing.T, cfg tlscheck.Config) *tlscheck.Report {
	t.Helper()
	r, err := tlscheck.Check(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s", r.Summary())
	return r
}

func wantFailures(t *testing.T, r *tlscheck.Report, want ...string) {
	t.Helper()
	var got []string
	for _, f := range r.Findings {
		if f.Severity == tlscheck.Fail {
			got = append(got, f.Check+": "+f.Message)
		}
	}
	if len(got) != len(want) || r.Passed != (len(want) == 0) {
		t.Fatalf("%s: passed %v, failures %q; want %q", r.Addr, r.Passed, got, want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("%s: failure %q, want it to start with %q", r.Addr, got[i], want[i])
		}
	}
}
