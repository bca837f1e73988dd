package tlscheck

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
)

func TestParseMinValid(t *testing.T) {
	for in, want := range map[string]time.Duration{"14d": 14 * day, "0.5d": 12 * time.Hour, "36h": 36 * time.Hour, "0": 0, "90m": 90 * time.Minute} {
		if got, err := ParseMinValid(in); err != nil || got != want {
			t.Errorf("ParseMinValid(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "d", "14days", "-1d", "-3h", "two weeks", "1d12h"} {
		if _, err := ParseMinValid(in); err == nil {
			t.Errorf("ParseMinValid(%q) accepted", in)
		}
	}
	if FormatMinValid(14*day) != "14d" || FormatMinValid(36*time.Hour) != "36h0m0s" {
		t.Error("FormatMinValid")
	}
}

func TestParseAddr(t *testing.T) {
	for in, want := range map[string]string{"198.18.0.11:443": "198.18.0.11:443", "[2001:db8::11]:8443": "[2001:db8::11]:8443", "[::ffff:127.0.0.1]:1": "127.0.0.1:1"} {
		if got, err := ParseAddr(in); err != nil || got.String() != want {
			t.Errorf("ParseAddr(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"www.lab.test:443", "198.18.0.11", "2001:db8::11:443", "198.18.0.11:0", "198.18.0.11:99999"} {
		if _, err := ParseAddr(in); err == nil {
			t.Errorf("ParseAddr(%q) accepted", in)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{Domain: "198.18.0.11"}, `domain: "198.18.0.11" is an IP address`},
		{Config{Domain: "localhost"}, "domain: \"localhost\" is not a domain name with at least one dot"},
		{Config{Domain: "a_b.lab.test"}, `label "a_b"`},
		{Config{Domain: "www.lab.test", MinValid: -1}, "minValid: negative"},
	} {
		if err := tc.cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
	if err := (&Config{Domain: "WWW.Staging.lab.test."}).Validate(); err != nil {
		t.Error(err)
	}
}

// TestScopeGuard: an address outside Allow, or outside the network fence,
// is refused before any connect. The refused addresses are loopback and
// lab addresses, so even a broken guard would send nothing outside.
func TestScopeGuard(t *testing.T) {
	allow := []netip.Prefix{netip.MustParsePrefix("198.18.0.0/24")}
	for _, a := range []string{"198.19.200.1:443", "[2001:db8:ffff::1]:443", "127.0.0.1:1"} {
		cfg := Config{Domain: "www.lab.test", Addr: netip.MustParseAddrPort(a), Allow: allow}
		r, err := Check(context.Background(), cfg)
		if !errors.Is(err, ErrOutOfScope) || r != nil {
			t.Errorf("%s: %v, %v; want ErrOutOfScope and no report", a, r, err)
		}
	}
	t.Setenv(fence.Env, "198.18.0.0/15,2001:db8::/32")
	r, err := Check(context.Background(), Config{Domain: "www.lab.test", Addr: netip.MustParseAddrPort("127.0.0.1:1")})
	if !errors.Is(err, fence.ErrOutside) || r != nil {
		t.Errorf("outside the fence: %v, %v; want fence.ErrOutside", r, err)
	}
	// The default resolver's nameservers are held to the fence too.
	if _, err := fencedDial(context.Background(), "udp", "127.0.0.1:53"); !errors.Is(err, fence.ErrOutside) {
		t.Errorf("nameserver outside the fence: %v", err)
	}
}

func TestLoadRoots(t *testing.T) {
	dir := t.TempDir()
	key := filepath.Join(dir, "key.pem")
	os.WriteFile(key, []byte("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n"), 0o600)
	_, err := LoadRoots(key)
	if err == nil || strings.Contains(err.Error(), "c2VjcmV0") || !strings.Contains(err.Error(), "no PEM CERTIFICATE block") {
		t.Errorf("a key file: %v", err)
	}
	if _, err := LoadRoots(filepath.Join(dir, "missing.pem")); err == nil {
		t.Error("missing file accepted")
	}
}
