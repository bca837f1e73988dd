package testenv

import (
	"net"
	"os"
	"os/exec"
	"testing"
)

// TestIsolated proves the child has its own network (no interface but lo)
// and that a file written under /etc stays in the overlay.
func TestIsolated(t *testing.T) {
	const marker = "/etc/ck8s-testenv-isolated"
	if !Isolated(t) {
		if _, err := os.Stat(marker); err == nil {
			t.Fatalf("%s leaked out of the isolated run", marker)
		}
		return
	}
	ifs, err := net.Interfaces()
	if err != nil {
		t.Fatal(err)
	}
	if len(ifs) != 1 || ifs[0].Name != "lo" {
		t.Fatalf("interfaces in the isolated run = %v, want only lo", ifs)
	}
	if err := os.WriteFile(marker, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("iptables", "-S", "INPUT").CombinedOutput(); err == nil {
		t.Logf("iptables in the isolated run: %s", out)
	}
}
