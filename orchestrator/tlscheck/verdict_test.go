package tlscheck

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

const domain = "www.staging.lab.test"

const day = 24 * time.Hour

// fixture is one certificate judged at an injected time.
type fixture struct {
	ca     *tlstest.CA
	base   time.Time // the leaf's notBefore; its notAfter is base + 90 days
	cert   tls.Certificate
	config Config
}

func newFixture(t *testing.T, names ...string) *fixture {
	t.Helper()
	ca := tlstest.NewCA(t, tlstest.Name{CN: "ck8s test root"})
	base := time.Now().Truncate(time.Second)
	cert := ca.Issue(t, tlstest.Leaf{Names: names, NotBefore: base, NotAfter: base.Add(90 * day)})
	return &fixture{ca: ca, base: base, cert: cert, config: Config{Domain: domain, Roots: ca.Pool(), RootsName: "the test CA", MinValid: 14 * day}}
}

// judgeAt judges the fixture's certificate as served with version at now.
func (f *fixture) judgeAt(t *testing.T, now time.Time, version uint16) *Report {
	t.Helper()
	var certs []*x509.Certificate
	for _, der := range f.cert.Certificate {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		certs = append(certs, c)
	}
	cfg := f.config
	cfg.defaults()
	r := &Report{Domain: cfg.Domain, Roots: cfg.RootsName}
	judge(r, &cfg, Observed{Version: version, Cipher: tls.TLS_AES_128_GCM_SHA256, Certs: certs}, now)
	r.finish()
	return r
}

// wantFindings checks the exact failure messages, in order (each given as
// a prefix and the parts it must contain).
func wantFindings(t *testing.T, r *Report, want ...string) {
	t.Helper()
	var got []string
	for _, f := range r.Findings {
		if f.Severity == Fail {
			got = append(got, f.Check+": "+f.Message)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("failures %q, want %d matching %q", got, len(want), want)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("failure %d: %q, want it to start with %q", i, got[i], want[i])
		}
	}
	if r.Passed != (len(want) == 0) {
		t.Errorf("passed %v with failures %q", r.Passed, got)
	}
}

func TestVerdictValid(t *testing.T) {
	f := newFixture(t, domain, "staging.lab.test")
	r := f.judgeAt(t, f.base.Add(30*day), tls.VersionTLS13)
	wantFindings(t, r)
	c := r.Certificate
	if !r.ChainVerified || r.Version != "TLS 1.3" || c.DaysLeft != 60 || c.Subject != "CN="+domain ||
		c.Issuer != "CN=ck8s test root" || strings.Join(c.SANs, ",") != domain+",staging.lab.test" || !strings.Contains(c.Serial, ":") {
		t.Fatalf("report %+v, cert %+v", r, c)
	}
	if r.EventType() != event.TypeTLSCheckPassed || !strings.Contains(r.Summary(), "passed: TLS 1.3, chain verified against the test CA, 60 days left") {
		t.Errorf("event %s, summary %q", r.EventType(), r.Summary())
	}
}

func TestVerdictValidity(t *testing.T) {
	f := newFixture(t, domain)
	notAfter := f.base.Add(90 * day).UTC().Format(time.RFC3339)
	for _, tc := range []struct {
		name     string
		now      time.Time
		minValid time.Duration
		want     []string
	}{
		{"expired", f.base.Add(92*day + time.Hour), 14 * day, []string{"validity: certificate expired at " + notAfter + " (2 days ago)"}},
		{"not yet valid", f.base.Add(-90 * time.Minute), 14 * day, []string{"validity: certificate is not valid yet: notBefore " + f.base.UTC().Format(time.RFC3339) + " is 1h30m0s from now"}},
		{"within window", f.base.Add(80 * day), 14 * day, []string{"expiry: certificate expires at " + notAfter + ", in 10 days, within the minimum remaining validity of 14d"}},
		{"window in hours", f.base.Add(89 * day), 36 * time.Hour, []string{"expiry: certificate expires at " + notAfter + ", in 1 day, within the minimum remaining validity of 36h0m0s"}},
		{"outside window", f.base.Add(75 * day), 14 * day, nil},
		{"no minimum", f.base.Add(89 * day), 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f.config.MinValid = tc.minValid
			r := f.judgeAt(t, tc.now, tls.VersionTLS12)
			wantFindings(t, r, tc.want...)
			if !r.ChainVerified {
				t.Errorf("chain not verified (%s): the leaf's own validity must not fail the chain", r.VerifyError)
			}
		})
	}
}

func TestVerdictNameTrustVersion(t *testing.T) {
	f := newFixture(t, "other.lab.test")
	f.config.Roots, f.config.RootsName = tlstest.NewCA(t, tlstest.Name{CN: "another root"}).Pool(), "--ca-file other.pem"
	r := f.judgeAt(t, f.base.Add(95*day), tls.VersionTLS10)
	// Every problem is reported, not just the first.
	wantFindings(t, r,
		"version: negotiated TLS 1.0: at least TLS 1.2 is required",
		"validity: certificate expired at",
		"name: certificate is not valid for www.staging.lab.test: it names other.lab.test",
		"chain: chain not trusted by --ca-file other.pem: x509: certificate signed by unknown authority")
	if r.ChainVerified || !strings.Contains(r.VerifyError, "unknown authority") || r.EventType() != event.TypeTLSCheckFailed {
		t.Fatalf("report %+v", r)
	}
	if !strings.HasPrefix(r.Summary(), "TLS check of www.staging.lab.test at  failed: negotiated TLS 1.0") {
		t.Errorf("summary %q", r.Summary())
	}
}

func TestVerdictStaging(t *testing.T) {
	for _, issuer := range []tlstest.Name{
		{CN: "(STAGING) Artificial Apricot R3", O: "(STAGING) Let's Encrypt"},
		{CN: "Fake LE Intermediate X1"},
		{CN: "Pebble Intermediate CA 645fc5"},
	} {
		root := tlstest.NewCA(t, tlstest.Name{CN: "root"})
		cert := root.Intermediate(t, issuer).Valid(t, domain)
		for _, reject := range []bool{false, true} {
			f := &fixture{base: time.Now(), cert: cert, config: Config{Domain: domain, Roots: root.Pool(), RejectStaging: reject}}
			r := f.judgeAt(t, time.Now(), tls.VersionTLS13)
			if !r.Staging || !r.ChainVerified || r.ChainLength != 2 || len(r.Findings) != 1 || r.Passed == reject {
				t.Fatalf("%s, reject %v: %+v", issuer.CN, reject, r)
			}
			want := "issued by an ACME staging CA (" + issuer.CN
			if msg := r.Findings[0].Message; !strings.HasPrefix(msg, want) || !strings.HasSuffix(msg, map[bool]string{false: "never trusted by browsers", true: "a production certificate is required"}[reject]) {
				t.Errorf("message %q", msg)
			}
		}
	}
}

// TestVerdictStagingUntrusted: with StagingUntrusted (a staging playbook
// without the staging roots) an untrusted chain is a warning when a known
// staging CA issued it, and still a failure when anyone else did; the
// name is judged either way.
func TestVerdictStagingUntrusted(t *testing.T) {
	stranger := tlstest.NewCA(t, tlstest.Name{CN: "somewhere"}).Pool()
	staging := tlstest.NewCA(t, tlstest.Name{CN: "root"}).Intermediate(t, tlstest.Name{CN: "(STAGING) Artificial Apricot R3"})
	f := &fixture{cert: staging.Valid(t, domain), config: Config{Domain: domain, Roots: stranger, RootsName: "the system roots", StagingUntrusted: true}}
	r := f.judgeAt(t, time.Now(), tls.VersionTLS13)
	wantFindings(t, r)
	if r.ChainVerified || !r.Staging || !strings.Contains(r.Findings[0].Message, "whose roots are not in any trust store") {
		t.Errorf("staging, untrusted: %+v", r)
	}
	f.cert = staging.Valid(t, "other.lab.test")
	wantFindings(t, f.judgeAt(t, time.Now(), tls.VersionTLS13), "name: certificate is not valid for www.staging.lab.test")
	other := newFixture(t, domain)
	other.config.Roots, other.config.StagingUntrusted = stranger, true
	wantFindings(t, other.judgeAt(t, other.base.Add(day), tls.VersionTLS13), "chain: chain not trusted by")
}

func TestReportHasNoPrivateMaterial(t *testing.T) {
	f := newFixture(t, domain)
	b, err := json.Marshal(f.judgeAt(t, f.base.Add(day), tls.VersionTLS13))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"PRIVATE", "BEGIN", "\"D\"", "key"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("report JSON contains %q: %s", bad, b)
		}
	}
}
