package tlscheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// TestRedirect asks a loopback server what plain HTTP on the domain does:
// only a redirect to https on the domain itself passes.
func TestRedirect(t *testing.T) {
	for _, tc := range []struct {
		name, location string
		status         int
		want           string // "" passes; else in the failure
	}{
		{"to https on the domain", "https://staging.lab.test/", http.StatusMovedPermanently, ""},
		{"keeps the path", "https://staging.lab.test:443/x", http.StatusPermanentRedirect, ""},
		{"plain page", "", http.StatusOK, "answers 200, not a redirect"},
		{"to http", "http://staging.lab.test/", http.StatusFound, "not to https://staging.lab.test/"},
		{"off the domain", "https://other.example/", http.StatusFound, "not to https://staging.lab.test/"},
		{"other port", "https://staging.lab.test:8443/", http.StatusFound, "not to https"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var host string
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				host = r.Host
				if tc.location != "" {
					w.Header().Set("Location", tc.location)
				}
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			ap := netip.MustParseAddrPort(srv.Listener.Addr().String())
			r := &Report{}
			cfg := &Config{Domain: "staging.lab.test", HTTPPort: ap.Port(), Timeout: 2 * time.Second}
			checkRedirect(context.Background(), cfg, ap.Addr(), r)
			r.finish()
			if !strings.HasPrefix(host, "staging.lab.test") {
				t.Errorf("Host header %q, want the domain", host)
			}
			if tc.want == "" {
				if !r.Passed || r.HTTPRedirect != tc.location {
					t.Errorf("passed %t redirect %q findings %+v; want a pass to %s", r.Passed, r.HTTPRedirect, r.Findings, tc.location)
				}
				return
			}
			if r.Passed || len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, tc.want) {
				t.Errorf("findings %+v, want one failure saying %q", r.Findings, tc.want)
			}
		})
	}
}

// TestRedirectRefused: nothing on the HTTP port is a failure, not a hang.
func TestRedirectRefused(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ap := netip.MustParseAddrPort(ln.Addr().String())
	ln.Close()
	r := &Report{}
	checkRedirect(context.Background(), &Config{Domain: "staging.lab.test", HTTPPort: ap.Port(), Timeout: time.Second}, ap.Addr(), r)
	r.finish()
	if r.Passed || len(r.Findings) != 1 || !strings.Contains(r.Findings[0].Message, "no HTTP answer") {
		t.Errorf("findings %+v, want a failure with no HTTP answer", r.Findings)
	}
}
