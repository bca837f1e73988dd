package firewall

import (
	"os"
	"strings"
	"testing"
	"time"
)

// TestExpectRefusesOutsideAScratchNamespace: the expectation rendered
// where an interface is up (a host, not the namespace expected unshares)
// applies nothing.
func TestExpectRefusesOutsideAScratchNamespace(t *testing.T) {
	if _, ok := isolate(t); !ok {
		return
	}
	if out, err := runCmd("sh", "-ec", "ip link add ck8s-d0 type veth peer name ck8s-d1; ip link set ck8s-d0 up"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	for _, backend := range []string{NameNFTables, NameIPTables} {
		h := newHost(t, "", backend)
		c, _ := h.backendOf()
		out, _, err := renderScratch(t.Context(), c, Profile{SSHPorts: []int{22}}, nil)
		if err == nil || !strings.Contains(err.Error(), " is up") {
			t.Errorf("%s: renderScratch = %v, want a refusal naming an interface that is up", backend, err)
		}
		if s := h.state(); s != "" || out != "" {
			t.Errorf("%s: renderScratch changed the firewall (%q):\n%s", backend, out, s)
		}
	}
}

// TestExpectLeavesTheHostAlone: the expectation's namespace is the
// rendering thread's alone. The host (here the test's own namespace) has
// none of the profile's rules afterwards, and no thread of the process is
// left in another network namespace: the locked thread ended with its
// goroutine, so no later goroutine (the agent's DNS checks, its listeners
// scan) can run inside the scratch namespace.
func TestExpectLeavesTheHostAlone(t *testing.T) {
	if _, ok := isolate(t); !ok {
		return
	}
	for _, backend := range []string{NameNFTables, NameIPTables} {
		h := newHost(t, "", backend)
		c, b := h.backendOf()
		p := Profile{AllowTCP: []int{80, 443}, SSHPorts: []int{22}}
		first, err := expected(t.Context(), c, p, b)
		if err != nil {
			t.Fatalf("%s: %v", backend, err)
		}
		if !strings.Contains(first, "443") {
			t.Errorf("%s: the expectation has no rule for 443:\n%s", backend, first)
		}
		if s := h.state(); s != "" {
			t.Errorf("%s: rendering the expectation changed the host:\n%s", backend, s)
		}
		again, err := expected(t.Context(), c, p, b)
		if err != nil || again != first {
			t.Errorf("%s: a second rendering differs (%v):\n%s", backend, err, Diff(first, again, backend))
		}
		if strays := strayThreads(t); len(strays) > 0 {
			t.Errorf("%s: threads left in another network namespace: %s", backend, strings.Join(strays, "; "))
		}
	}
}

// strayThreads lists the process's threads whose network namespace is not
// the process's, waiting up to a second for ended threads to go.
func strayThreads(t *testing.T) []string {
	t.Helper()
	own, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	var strays []string
	for deadline := time.Now().Add(time.Second); ; time.Sleep(10 * time.Millisecond) {
		strays = strays[:0]
		tasks, err := os.ReadDir("/proc/self/task")
		if err != nil {
			t.Fatal(err)
		}
		for _, task := range tasks {
			ns, err := os.Readlink("/proc/self/task/" + task.Name() + "/ns/net")
			if err == nil && ns != own {
				strays = append(strays, "thread "+task.Name()+" in "+ns)
			}
		}
		if len(strays) == 0 || time.Now().After(deadline) {
			return strays
		}
	}
}
