package listeners

import (
	"fmt"
	"net"
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestDiagMatchesProcNet: in a namespace of its own (nothing else listens
// there), the LISTEN sockets sock_diag returns are exactly the rows of
// /proc/net/tcp{,6}: address, port and inode, for wildcard, loopback,
// IPv4-mapped and SO_REUSEPORT-style duplicate listeners, with
// established connections beside them that neither may list.
func TestDiagMatchesProcNet(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	for _, a := range []struct{ network, addr string }{
		{"tcp4", "127.0.0.1:0"}, {"tcp4", "0.0.0.0:0"}, {"tcp6", "[::1]:0"}, {"tcp6", "[::]:0"}, {"tcp", "[::ffff:127.0.0.1]:0"},
	} {
		ln, err := net.Listen(a.network, a.addr)
		if err != nil {
			t.Fatalf("%s %s: %v", a.network, a.addr, err)
		}
		defer ln.Close()
		// An established connection to it: in /proc/net/tcp, not a listener.
		c, err := net.Dial(ln.Addr().Network(), ln.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
	}
	total := 0
	for _, proto := range []string{"tcp", "tcp6"} {
		fromFile, err := readTable("/proc/net/"+proto, proto)
		if err != nil {
			t.Fatal(err)
		}
		fromDiag, err := diagListeners(proto)
		if err != nil {
			t.Fatal(err)
		}
		if f, d := rows(fromFile), rows(fromDiag); !slices.Equal(f, d) {
			t.Errorf("%s: sock_diag lists\n%q\n/proc/net/%s lists\n%q", proto, d, proto, f)
		}
		total += len(fromDiag)
	}
	if total != 5 {
		t.Errorf("%d listeners found, want the test's 5", total)
	}
}

func rows(socks []socket) []string {
	var out []string
	for _, s := range socks {
		out = append(out, fmt.Sprintf("%s %s %d inode %d", s.l.Proto, s.l.Addr, s.l.Port, s.inode))
	}
	slices.Sort(out)
	return out
}
