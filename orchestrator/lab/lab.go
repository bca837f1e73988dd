// Package lab builds a local lab of staging-like hosts so ck8sctl can be seen
// working, and integration-tested, without a server. Each host is a network
// namespace behind a bridge in the root namespace, running its own OpenSSH
// sshd (in its own mount and UTS namespace, so /var/lib/ck8s and the hostname
// are per host) and decoy listeners on the ports a typical staging host
// exposes. Everything the lab starts is detached and recorded by pid under the
// lab dir, so `lab up` can exit and `lab down` can stop exactly what it
// started.
//
// The lab needs root on Linux with iproute2, util-linux, openssh-server and
// sudo. It only ever uses 198.18.0.0/15 and 2001:db8::/32 (benchmarking and
// documentation ranges), and hosts get no default route, so nothing a lab
// host does can leave the machine.
package lab

import (
	"errors"
	"net/netip"
)

// Options says which lab to build.
type Options struct {
	// Dir is the lab state dir; Up creates it. The CLI defaults it to ".lab".
	Dir string `json:"dir"`
	// Hosts is the number of hosts, 1..MaxHosts.
	Hosts int `json:"hosts"`
	// Index (0..255) selects the subnet 198.18.<Index>.0/24, the IPv6 prefix
	// 2001:db8:<Index in hex>::/64 and the namespace and interface name
	// prefix, so several labs (parallel test packages) coexist.
	Index int `json:"index"`
	// ListenerArgv starts the decoy listener process; the lab appends the
	// comma-separated ports as a final argument. Empty means no decoys.
	ListenerArgv []string `json:"listenerArgv,omitempty"`
	// ResolvConf, if set, is every host's /etc/resolv.conf (written to
	// /etc/netns/<ns>/resolv.conf before its sshd starts, so everything run
	// over SSH sees it). Point it at Gateways(Index) to reach a DNS server
	// in the root namespace. Empty leaves the machine's resolv.conf.
	ResolvConf string `json:"resolvConf,omitempty"`
	// DNSArgv starts the lab's DNS server in the root namespace: authoritative
	// for Domain on port 53 of the gateways, answering every host's
	// addresses. The lab appends the zone file (dns.json) as a final
	// argument. With it, hosts resolve through that server (unless
	// ResolvConf says otherwise) and the playbook names it in
	// dns.nameservers. Empty means no lab DNS.
	DNSArgv []string `json:"dnsArgv,omitempty"`
}

// Gateways returns the bridge addresses of the lab with index: the root
// namespace's side, where tests run DNS servers the hosts can reach.
func Gateways(index int) (v4, v6 netip.Addr) { return gateways(index) }

// Host is one lab host as the playbook and tests see it.
type Host struct {
	Name       string     `json:"name"`
	NetNS      string     `json:"netns"`
	Addr4      netip.Addr `json:"addr4"`
	Addr6      netip.Addr `json:"addr6"`
	Port       int        `json:"port"`
	HostKeyPub string     `json:"hostKeyPub"` // authorized_keys format
}

// String names the host in logs and errors.
func (h Host) String() string { return h.Name }

// Lab is a lab that is up (or was, for Load on a stopped one).
type Lab struct {
	Dir, KeyFile, KnownHostsFile, PlaybookFile string
	// Gateway4 and Gateway6 are the bridge's addresses in the root namespace.
	Gateway4, Gateway6 netip.Addr
	Hosts              []Host
	// SudoUser may sudo without a password; PasswordSudoUser needs one, so
	// `sudo -n` fails fast for it.
	SudoUser, PasswordSudoUser string
	// Index is Options.Index of the lab.
	Index int
	// Nameservers are the lab DNS server's addresses (ip:port), empty when
	// the lab has none (Options.DNSArgv).
	Nameservers []string
}

// HostStatus is one host's health as Status sees it.
type HostStatus struct {
	Host Host
	// SSHD and Decoys report whether the recorded process is alive.
	SSHD, Decoys bool
	// SSHReachable reports whether a TCP connect to Addr4:Port succeeded.
	SSHReachable bool
}

// DecoyPorts are the listeners every lab host runs besides sshd: ingress,
// postgres, kube-apiserver, an app port, node_exporter and the kubelet.
var DecoyPorts = []int{80, 443, 5432, 6443, 8080, 9100, 10250}

// Users the lab creates on the machine (shared by all labs, left by Down).
const (
	SudoUser         = "ck8s"
	PasswordSudoUser = "ck8spw"
)

// MaxHosts bounds Options.Hosts so addresses stay within one /24.
const MaxHosts = 200

// Domain is the playbook domain of the lab.
const Domain = "staging.lab.test"

var (
	// ErrPrerequisite means the machine cannot run a lab (not root, not
	// Linux, or a program missing); the message names the fix. Not retryable.
	ErrPrerequisite = errors.New("lab prerequisite missing")
	// ErrIndexInUse means another live lab owns Options.Index; retry with
	// another index.
	ErrIndexInUse = errors.New("lab index in use by another lab")
	// ErrNoLab means the dir holds no lab (Load, Status).
	ErrNoLab = errors.New("no lab in dir")
)
