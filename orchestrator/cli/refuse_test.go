package cli

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// udpCounter is a nameserver on loopback that answers nothing and counts
// the packets it gets: a refused command must send none.
func udpCounter(t *testing.T) (addr string, got *atomic.Int32) {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	got = new(atomic.Int32)
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			got.Add(1)
		}
	}()
	return pc.LocalAddr().String(), got
}

// TestDNSCheckRefusesWhatIsNotAName: a domain or CAA issuer that is not a
// DNS name (shell syntax, spaces) is bad input, refused before a query.
func TestDNSCheckRefusesWhatIsNotAName(t *testing.T) {
	ns, got := udpCounter(t)
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"dns-check", "a.example.test;id", "--expect", "198.18.0.11", "--nameserver", ns}, "DOMAIN"},
		{[]string{"dns-check", "a b.example.test", "--expect", "198.18.0.11", "--nameserver", ns}, "DOMAIN"},
		{[]string{"dns-check", "a.example.test", "--expect", "198.18.0.11", "--nameserver", ns, "--caa-issuer", "x y"}, "--caa-issuer"},
		{[]string{"dns-check", "a.example.test", "--expect", "198.18.0.11", "--nameserver", ns, "--caa-issuer", "ca.test;id"}, "--caa-issuer"},
	}
	for _, c := range cases {
		r := ck8sctl(t, c.args...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, c.want) || !strings.Contains(r.stderr, "not a DNS name") {
			t.Errorf("%v: exit %d, want 2 naming %s\n%s", c.args, r.code, c.want, r.stderr)
		}
	}
	time.Sleep(100 * time.Millisecond) // a stray query would have arrived by now
	if n := got.Load(); n != 0 {
		t.Errorf("%d queries sent for refused input", n)
	}
}

// TestEventsReadsOnly: `events` refuses a negative --limit, and a missing
// database is named, not created empty.
func TestEventsReadsOnly(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "typo.db")
	r := ck8sctl(t, "events", "--db", missing)
	if r.code != ExitBadInput || !strings.Contains(r.stderr, "--db") || !strings.Contains(r.stderr, missing) {
		t.Errorf("missing db: exit %d, want 2 naming --db and the path\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(missing); err == nil {
		t.Errorf("events created %s", missing)
	}
	if r := ck8sctl(t, "events", "--db", dir); r.code != ExitBadInput || !strings.Contains(r.stderr, "a directory") {
		t.Errorf("db a directory: exit %d, want 2\n%s", r.code, r.stderr)
	}
	if r := ck8sctl(t, "events", "--db", missing, "--limit", "-5"); r.code != ExitBadInput || !strings.Contains(r.stderr, "--limit") {
		t.Errorf("--limit -5: exit %d, want 2 naming --limit\n%s", r.code, r.stderr)
	}
}
