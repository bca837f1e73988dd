package firewall

import (
	"net"
	"os"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestNFTBehaviour sends real traffic through the table, inside the
// isolated namespace only: a client namespace reaches us on
// 198.18.200.1 / 2001:db8:200::1, and a service namespace (198.18.201.2)
// sits behind us, reachable routed and through a DNAT of our port 8080,
// as a NodePort or a published container port would be. The profile opens
// 8443 only: 9999 and the DNAT'd 8080 must close (the latter by the
// prerouting chain, since DNAT'd traffic never meets the input chain),
// routed traffic must pass, a session open before the apply must survive,
// and the rollback must open everything again.
func TestNFTBehaviour(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	testenv.RequireCommand(t, "ip", "nsenter", "unshare", "sleep")
	b := nftTestBackend(t)
	client := nftNewPeer(t, "ck8s-c0", "198.18.200.1/24 2001:db8:200::1/64", "198.18.200.2/24 2001:db8:200::2/64", "198.18.201.0/24 via 198.18.200.1")
	svc := nftNewPeer(t, "ck8s-s0", "198.18.201.1/24", "198.18.201.2/24", "198.18.200.0/24 via 198.18.201.1")
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		t.Fatal(err) // this namespace's, not the machine's
	}
	nftCmd(t, "table ip dnat-test {\n\tchain pre {\n\t\ttype nat hook prerouting priority dstnat; policy accept;\n\t\ttcp dport 8080 dnat to 198.18.201.2:80\n\t}\n}\n", "-f", "-")
	for _, addr := range []string{":8443", ":9999"} {
		ln, err := net.Listen("tcp", addr)
		nftServeEcho(t, ln, err)
	}
	svc.listen(t, "198.18.201.2:80")

	open := []string{"198.18.200.1:8443", "[2001:db8:200::1]:8443", "198.18.201.2:80"}
	closed := []string{"198.18.200.1:9999", "[2001:db8:200::1]:9999", "198.18.200.1:8080"}
	nftReach(t, "before", client, true, append(open, closed...)...)
	live, err := client.dial(t, "198.18.200.1:9999")
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()

	rollback := mustSnapshot(t, b)
	mustApply(t, b, mustRender(t, b, Profile{AllowTCP: []int{8443}, SSHPorts: []int{22}}))
	nftReach(t, "applied", client, true, open...)
	nftReach(t, "applied", client, false, closed...)
	if err := nftEcho(live); err != nil {
		t.Errorf("a session open before the apply broke: %v", err)
	}
	mustApply(t, b, rollback)
	nftReach(t, "rolled back", client, true, append(open, closed...)...)
}

func nftReach(t *testing.T, when string, from *nftPeer, want bool, addrs ...string) {
	t.Helper()
	for _, addr := range addrs {
		c, err := from.dial(t, addr)
		if err == nil {
			err = nftEcho(c)
			_ = c.Close()
		}
		if got := err == nil; got != want {
			t.Errorf("%s: %s reachable = %v (%v), want %v", when, addr, got, err, want)
		}
	}
}
