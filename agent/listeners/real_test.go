package listeners

import (
	"net"
	"os"
	"path/filepath"
	"testing"
)

// TestRealHost lists this machine's own /proc: listeners the test opens on
// IPv4 and IPv6 loopback are found with this process as their owner.
func TestRealHost(t *testing.T) {
	var ports []int
	for _, network := range []string{"tcp4", "tcp6"} {
		addr := map[string]string{"tcp4": "127.0.0.1:0", "tcp6": "[::1]:0"}[network]
		ln, err := net.Listen(network, addr)
		if err != nil {
			t.Skipf("%s: %v", network, err)
		}
		defer ln.Close()
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	ls, err := Collect(func(p string) string { return filepath.Join("/", p) })
	if err != nil {
		t.Fatal(err)
	}
	comm, _ := os.ReadFile("/proc/self/comm")
	for i, proto := range []string{"tcp", "tcp6"} {
		found := false
		for _, l := range ls {
			if l.Proto == proto && int(l.Port) == ports[i] && l.Addr.IsLoopback() {
				found = true
				if l.PID != os.Getpid() || l.Process+"\n" != string(comm) {
					t.Errorf("%s port %d: owner %d/%q, want %d/%q", proto, l.Port, l.PID, l.Process, os.Getpid(), comm)
				}
			}
		}
		if !found {
			t.Errorf("%s listener on port %d not found in %+v", proto, ports[i], ls)
		}
	}
}
