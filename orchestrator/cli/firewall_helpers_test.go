package cli

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// The lab decoys the default profile must close, and the ports it keeps.
var (
	closedDecoys = []int{5432, 6443, 8080, 9100, 10250}
	openPorts    = []int{22, 80, 443}
)

// dialable reports whether a TCP connection to a:port completes within
// dialWait. A dropped SYN times out; a closed port is refused: both are
// false. The wait is generous: these machines are small and noisy, and a
// slow answer must not read as a closed port.
func dialable(a netip.Addr, port int) bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(a.String(), strconv.Itoa(port)), dialWait)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

const dialWait = 1500 * time.Millisecond

// requireReach asserts which of ports answer on both of h's addresses,
// dialling them all at once so dropped ports cost one wait, not one each.
func requireReach(t *testing.T, h lab.Host, ports []int, want bool) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var wrong []string
	for _, a := range []netip.Addr{h.Addr4, h.Addr6} {
		for _, p := range ports {
			wg.Go(func() {
				got := dialable(a, p)
				if !got && want {
					// A first contact's SYN can be lost while the
					// neighbour entry resolves under dozens of dials at
					// once (IPv6, loaded CI): one more try.
					got = dialable(a, p)
				}
				if got != want {
					mu.Lock()
					wrong = append(wrong, net.JoinHostPort(a.String(), strconv.Itoa(p)))
					mu.Unlock()
				}
			})
		}
	}
	wg.Wait()
	slices.Sort(wrong)
	for _, w := range wrong {
		t.Errorf("%s on %s reachable = %t, want %t", w, h.Name, !want, want)
	}
}

// firewallPlaybook is a playbook for hosts with the given firewall section
// body (indented YAML lines after "firewall:").
func firewallPlaybook(t *testing.T, l *lab.Lab, firewall string, hosts ...lab.Host) string {
	t.Helper()
	var hs []hostSpec
	for _, h := range hosts {
		hs = append(hs, hostSpec{host: h})
	}
	return writePlaybook(t, l, l.KnownHostsFile, "firewall:\n"+firewall, hs...)
}

// watchdogs lists the firewall watchdogs running in h's network namespace
// (the pid namespace is the machine's, so compare namespaces).
func watchdogs(t *testing.T, l *lab.Lab, h lab.Host) string {
	t.Helper()
	return processesOn(t, l, h, "[c]k8s-agent firewall-watchdog") // [c]: not this shell
}

// agents lists agent runs in h's network namespace.
func agents(t *testing.T, l *lab.Lab, h lab.Host) string {
	t.Helper()
	return processesOn(t, l, h, "[c]k8s-agent run")
}

func processesOn(t *testing.T, l *lab.Lab, h lab.Host, pattern string) string {
	t.Helper()
	return strings.TrimSpace(onHost(t, l, h, `me=$(readlink /proc/self/ns/net); for p in $(pgrep -f '`+pattern+`'); do [ "$(readlink /proc/$p/ns/net 2>/dev/null)" = "$me" ] && echo $p; done; true`))
}

// owned is the host's ck8s rules as the host's own tools print them.
func owned(t *testing.T, l *lab.Lab, h lab.Host) string {
	t.Helper()
	return onHost(t, l, h, `{ iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | grep CK8S | sed 's/\[[0-9]*:[0-9]*\]//'; nft list table inet ck8s 2>/dev/null; true`)
}

// foreign is everything in the host's firewall that is not ours, without
// counters and comments: what the agent must leave byte-for-byte alone.
func foreign(t *testing.T, l *lab.Lab, h lab.Host) string {
	t.Helper()
	// Tables with nothing but ACCEPT policies are left out: iptables-nft
	// instantiates a table (mangle) when one of its chains is first used,
	// and an empty table filters nothing.
	return onHost(t, l, h, `{ iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | grep -v CK8S | sed 's/\[[0-9]*:[0-9]*\]//' |
		awk '/^\*/ {blk=$0 "\n"; keep=0; next} /^COMMIT/ {if (keep) printf "%sCOMMIT\n", blk; next} {blk=blk $0 "\n"} /^-A/ || (/^:/ && $2 != "ACCEPT" && $2 != "-") {keep=1}'`)
}

// waitFile waits until path exists, for tests that act at a moment of the
// agent's run (the pending change file appears right before apply).
func waitFile(ctx context.Context, path string) bool {
	for ctx.Err() == nil {
		if _, err := os.Stat(path); err == nil {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func pendingFile(l *lab.Lab, h lab.Host) string {
	return filepath.Join(l.StateDir(h), "firewall", "pending.json")
}
