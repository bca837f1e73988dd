package lab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// The lab's DNS server: one process in the root namespace, authoritative for
// Domain on port 53 of the bridge's addresses, so the lab playbook can name
// it as the preflight's nameserver and every host's resolv.conf can point at
// it. It serves what dns.json in the lab dir says; Up rewrites that file and
// restarts the server when the lab changes (another host count).

// dnsZone is dns.json: what the server listens on and the zone it serves.
type dnsZone struct {
	Origin string   `json:"origin"`
	Listen []string `json:"listen"`
	// Records are in zone-file syntax, relative to Origin.
	Records []string `json:"records"`
}

// dnsIndexEnv marks the server of lab index in its environment, so tearing
// down a stale index finds it even when the lab dir (and its pid file) is
// gone: the server holds port 53 of the index's gateways.
func dnsIndexEnv(index int) string { return "CK8S_LAB_DNS=" + strconv.Itoa(index) }

func dnsZonePath(dir string) string { return filepath.Join(dir, "dns.json") }

func dnsProc(dir string, index int) proc {
	pf := filepath.Join(dir, "dns.pid")
	return proc{name: "dns", pidFile: pf, marker: markerEnv + pf, env: []string{dnsIndexEnv(index)}}
}

// labZone is the zone of l: the domain answers every host's addresses (the
// union of the playbook's expectIPs), ns1 is the gateway, and CAA allows
// the issuer the preflight expects by default.
func labZone(l *Lab) dnsZone {
	z := dnsZone{Origin: Domain + ".", Listen: l.Nameservers, Records: []string{
		"@ 60 IN SOA ns1 hostmaster 1 3600 600 86400 60",
		"@ 60 IN NS ns1",
		"ns1 60 IN A " + l.Gateway4.String(),
		"ns1 60 IN AAAA " + l.Gateway6.String(),
		`@ 60 IN CAA 0 issue "letsencrypt.org"`,
	}}
	for _, h := range l.Hosts {
		z.Records = append(z.Records, "@ 60 IN A "+h.Addr4.String(), "@ 60 IN AAAA "+h.Addr6.String())
	}
	return z
}

// resolvConf is what every host's /etc/resolv.conf says: Options.ResolvConf
// if given, else the lab's server when it has one. Short timeouts, so a
// stopped server fails a lookup in seconds rather than half a minute.
func resolvConf(o Options, l *Lab) string {
	if o.ResolvConf != "" || len(o.DNSArgv) == 0 {
		return o.ResolvConf
	}
	return "nameserver " + l.Gateway4.String() + "\nnameserver " + l.Gateway6.String() + "\noptions timeout:1 attempts:2\n"
}

// ensureDNS starts the lab's DNS server unless the recorded one is alive
// and serves the current zone; without Options.DNSArgv it stops one an
// earlier Up started. It runs after setupNetwork: it binds the gateways.
func ensureDNS(ctx context.Context, o Options, l *Lab) error {
	p, path := dnsProc(l.Dir, l.Index), dnsZonePath(l.Dir)
	if len(o.DNSArgv) == 0 {
		if err := p.stop(); err != nil {
			return fmt.Errorf("stopping the lab's DNS server: %w", err)
		}
		if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("removing the lab's DNS zone: %w", err)
		}
		return nil
	}
	want, err := json.MarshalIndent(labZone(l), "", "  ")
	if err != nil {
		return err
	}
	want = append(want, '\n')
	if have, _ := os.ReadFile(path); bytes.Equal(have, want) && p.pid() != 0 {
		return nil
	}
	// A changed zone means a restart: the server reads its file once.
	if err := p.stop(); err != nil {
		return fmt.Errorf("restarting the lab's DNS server: %w", err)
	}
	if err := writeFileAtomic(path, want, 0o644); err != nil {
		return fmt.Errorf("writing the lab's DNS zone: %w", err)
	}
	log := filepath.Join(l.Dir, "dns.log")
	_, exited, err := p.start(append(append([]string(nil), o.DNSArgv...), path), log)
	if err != nil {
		return fmt.Errorf("starting the lab's DNS server: %w", err)
	}
	// ServeDNS binds the addresses in order, so the last one answering
	// means all are up.
	if err := waitListening(ctx, l.Gateway6, 53, exited); err != nil {
		return fmt.Errorf("starting the lab's DNS server: %w (see %s)%s", err, log, logTail(log))
	}
	return nil
}

// dnsServers returns the DNS server of lab index, found by its environment
// rather than a pid file.
func dnsServers(index int) []target {
	want := dnsIndexEnv(index)
	ours := func(pid int) bool {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		return err == nil && running(pid) && slices.Contains(strings.Split(string(b), "\x00"), want)
	}
	var ts []target
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid != os.Getpid() && ours(pid) {
			ts = append(ts, target{pid, ours})
		}
	}
	return ts
}

// nameservers are the lab server's addresses as the playbook names them.
func nameservers(l *Lab) []string {
	return []string{net.JoinHostPort(l.Gateway4.String(), "53"), net.JoinHostPort(l.Gateway6.String(), "53")}
}
