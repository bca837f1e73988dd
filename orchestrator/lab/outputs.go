package lab

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// writeEtcHosts gives each host an /etc/hosts naming itself (ip netns exec
// mounts /etc/netns/<ns>/hosts over /etc/hosts): sudo resolves the hostname
// on every call and would otherwise warn, and try DNS.
func writeEtcHosts(h Host) error {
	d := filepath.Join("/etc/netns", h.NetNS)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return fmt.Errorf("writing /etc/hosts of %s: %w", h.Name, err)
	}
	fqdn := h.Name + "." + Domain
	content := strings.Join([]string{
		"127.0.0.1 localhost",
		"::1 localhost ip6-localhost ip6-loopback",
		h.Addr4.String() + " " + fqdn + " " + h.Name,
		h.Addr6.String() + " " + fqdn + " " + h.Name,
		""}, "\n")
	return writeFileAtomic(filepath.Join(d, "hosts"), []byte(content), 0o644)
}

// writeOutputs writes what a user and the tests consume: known_hosts, the
// playbook and the final lab.json.
func writeOutputs(o Options, l *Lab) error {
	kh, err := knownHosts(l.Hosts)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(l.KnownHostsFile, kh, 0o644); err != nil {
		return err
	}
	pb, err := renderPlaybook(l)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(l.PlaybookFile, pb, 0o644); err != nil {
		return err
	}
	return writeState(o, l)
}
