package firewall

import (
	"net"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// Addresses of the veth pair between the test's namespace (the host) and
// a peer namespace (the outside), from the ranges reserved for this.
const (
	iptHost4, iptPeer4 = "198.18.200.1", "198.18.200.2"
	iptHost6, iptPeer6 = "2001:db8:200::1", "2001:db8:200::2"
)

// TestIPTablesBehaviour dials the host from a peer namespace: an allowed
// port stays open, a port not in the profile closes, and so does a
// NodePort-like DNAT to the allowed port (which only CK8S-PREROUTING can
// see); a session opened before the apply to a port the profile closes
// keeps working (ESTABLISHED comes first); the rollback reopens it all.
func TestIPTablesBehaviour(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	testenv.RequireCommand(t, "nsenter", "bash", "timeout", "ip")
	peer := iptPeerNamespace(t)
	for _, port := range []string{"80", "8080"} {
		iptEchoServer(t, ":"+port)
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		for i, host := range []string{iptHost4, iptHost6} {
			to := net.JoinHostPort(host, "80")
			iptCmd(t, "", b.fams[i].bin, "-t", "nat", "-A", "PREROUTING", "-p", "tcp", "--dport", "30080", "-j", "DNAT", "--to-destination", to)
		}
		expect := func(when string, open map[string]bool) {
			t.Helper()
			for _, host := range []string{iptHost4, iptHost6} {
				for _, port := range []string{"80", "8080", "30080"} {
					if got := peer.dial(host, port); got != open[port] {
						t.Errorf("%s: %s port %s open = %v, want %v", when, host, port, got, open[port])
					}
				}
			}
		}
		expect("before the apply", map[string]bool{"80": true, "8080": true, "30080": true})
		session := peer.session(t, iptHost4, "8080")
		rollback := mustSnapshot(t, b)
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		expect("after the apply", map[string]bool{"80": true})
		if got := session.finish(t); got != "one\ntwo\n" {
			t.Errorf("a session open before the apply, after it: %q, want it to keep working", got)
		}
		mustApply(t, b, rollback)
		expect("after the rollback", map[string]bool{"80": true, "8080": true, "30080": true})
	})
}
