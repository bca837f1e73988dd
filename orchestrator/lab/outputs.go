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

// writeResolvConf gives the host its own resolver configuration, the same
// way as /etc/hosts. Empty content writes nothing, and leaves a file of an
// earlier Up in place (Down removes the whole /etc/netns/<ns> dir). It
// reports whether the file changed: a running sshd keeps what `ip netns
// exec` mounted when it started (the old file, or none), so the caller
// restarts it.
func writeResolvConf(h Host, content string) (bool, error) {
	p := filepath.Join("/etc/netns", h.NetNS, "resolv.conf")
	if old, err := os.ReadFile(p); content == "" || (err == nil && string(old) == content) {
		return false, nil
	}
	if err := writeFileAtomic(p, []byte(content), 0o644); err != nil {
		return false, fmt.Errorf("writing /etc/resolv.conf of %s: %w", h.Name, err)
	}
	return true, nil
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
