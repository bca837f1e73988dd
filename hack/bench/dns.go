package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
)

// benchDNS measures the DNS preflight against a healthy lab zone: the
// authoritative view (two nameservers, asked from here) and the host view
// (the agent's dns step on a lab host, as the agent timed it), without SSH
// setup. Target: under 200 ms together.
func benchDNS(index, reps int) error {
	ctx := context.Background()
	dir, _ := filepath.Abs(".bench/dnslab")
	self, _ := filepath.Abs("bin/ck8sctl")
	gw4, gw6 := lab.Gateways(index)
	fmt.Printf("\nDNS preflight: bringing up a 1-host lab (index %d)...\n", index)
	l, err := lab.Up(ctx, lab.Options{Dir: dir, Hosts: 1, Index: index, ListenerArgv: []string{self, "lab", "listen"},
		ResolvConf: "nameserver " + gw4.String() + "\n"})
	if err != nil {
		return err
	}
	defer lab.Down(ctx, dir)
	h := l.Hosts[0]
	var servers []*labdns.Server
	for _, addr := range []string{net.JoinHostPort(gw4.String(), "0"), net.JoinHostPort(gw6.String(), "0"), net.JoinHostPort(gw4.String(), "53")} {
		z, err := labdns.NewZone(lab.Domain, "@ A "+h.Addr4.String(), "@ AAAA "+h.Addr6.String())
		if err != nil {
			return err
		}
		s, err := labdns.Serve(addr, z)
		if err != nil {
			return err
		}
		defer s.Close()
		servers = append(servers, s)
	}
	servers[2].SetMode(labdns.Resolver)
	ns := []string{servers[0].Addr, servers[1].Addr}

	auth := median(reps, func() (time.Duration, error) {
		start := time.Now()
		rep, err := dnscheck.Check(ctx, dnscheck.Config{Domain: lab.Domain, Expect: []netip.Addr{h.Addr4, h.Addr6}, Nameservers: ns})
		if err == nil && !rep.Passed {
			err = fmt.Errorf("preflight failed: %s", rep.Summary())
		}
		return time.Since(start), err
	})
	pb, err := dnsPlaybook(l, h, ns)
	if err != nil {
		return err
	}
	hostView := median(reps, func() (time.Duration, error) { return agentDNSStep(self, pb) })
	fmt.Printf("DNS preflight, healthy zone: authoritative view (2 nameservers) %s + host view (agent dns step) %s = %s (target < 200ms, SSH setup excluded)\n",
		auth, hostView, auth+hostView)
	return nil
}

func dnsPlaybook(l *lab.Lab, h lab.Host, ns []string) (string, error) {
	b := fmt.Sprintf("domain: %s\ndns:\n  nameservers: [%q, %q]\nhosts:\n  - name: %s\n    address: %s\n    user: root\n    identityFile: %s\n    knownHostsFile: %s\n    expectIPs: [%s, %s]\n",
		lab.Domain, ns[0], ns[1], h.Name, h.Addr4, l.KeyFile, l.KnownHostsFile, h.Addr4, h.Addr6)
	p := filepath.Join(l.Dir, "bench-dns.yaml")
	return p, os.WriteFile(p, []byte(b), 0o600)
}

// agentDNSStep runs a bootstrap and returns the dns step's duration as the
// agent measured it on the host.
func agentDNSStep(self, pb string) (time.Duration, error) {
	out, err := exec.Command(self, "--log-level", "error", "bootstrap", "-p", pb, "--db", pb+".db", "-o", "json").Output()
	if err != nil {
		return 0, fmt.Errorf("ck8sctl bootstrap: %v\n%s", err, out)
	}
	var rep struct {
		Hosts []struct {
			Steps []struct {
				Name     string
				Status   string
				Duration time.Duration `json:"durationNs"`
			}
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return 0, err
	}
	for _, s := range rep.Hosts[0].Steps {
		if s.Name == "dns" && s.Status == "ok" {
			return s.Duration, nil
		}
	}
	return 0, fmt.Errorf("no ok dns step in %s", strings.TrimSpace(string(out)))
}
