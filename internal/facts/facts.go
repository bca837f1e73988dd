// Package facts holds the types the agent reports about a host, shared with
// the orchestrator so that it decodes them without importing agent code:
// Facts (data of event facts.collected) and Metrics (metrics.collected).
// Types only: collecting them is the agent's business (agent/facts,
// agent/hostmetrics).
package facts

import "net/netip"

// Facts is what a host is: collected once per run by the facts step.
type Facts struct {
	Hostname   string      `json:"hostname"`
	OS         OS          `json:"os"`
	Kernel     Kernel      `json:"kernel"`
	Arch       string      `json:"arch"` // GOARCH of the agent, so of the host userland
	Machine    string      `json:"machine,omitempty"`
	Interfaces []Interface `json:"interfaces"`
	Firewall   Firewall    `json:"firewall"`
	Kubernetes Kubernetes  `json:"kubernetes"`
	// Labels echoes the plan's labels, so a report shows them next to what
	// the host turned out to be.
	Labels map[string]string `json:"labels,omitempty"`
	// Warnings lists what could not be collected; the rest is still valid.
	Warnings []string `json:"warnings,omitempty"`
}

// OS is the distribution, from os-release(5).
type OS struct {
	ID         string   `json:"id"`
	IDLike     []string `json:"idLike,omitempty"`
	VersionID  string   `json:"versionId,omitempty"`
	PrettyName string   `json:"prettyName,omitempty"`
}

// Kernel is what uname(2) reports.
type Kernel struct {
	Name    string `json:"name"`    // "Linux"
	Release string `json:"release"` // "6.1.0-18-amd64"
	Version string `json:"version,omitempty"`
}

// Interface is one network interface and its addresses.
type Interface struct {
	Name     string         `json:"name"`
	MAC      string         `json:"mac,omitempty"`
	Up       bool           `json:"up"`
	Loopback bool           `json:"loopback,omitempty"`
	IPv4     []netip.Prefix `json:"ipv4,omitempty"`
	IPv6     []netip.Prefix `json:"ipv6,omitempty"`
}

// Firewall says which packet filter front ends exist. Nothing is run that
// changes rules; a nil pointer means the tool is not installed.
type Firewall struct {
	Iptables *Iptables `json:"iptables,omitempty"`
	Nft      *Tool     `json:"nft,omitempty"`
	// LegacyTables names the tables loaded in the legacy x_tables kernel
	// API (/proc/net/ip_tables_names, ip6_tables_names): rules there are
	// invisible to nft.
	LegacyTables []string `json:"legacyTables,omitempty"`
	// Auto is the backend the firewall step's "auto" picks here
	// ("iptables" or "nftables"), AutoPath the binary it drives; empty
	// when the host has neither.
	Auto     string `json:"autoBackend,omitempty"`
	AutoPath string `json:"autoBackendPath,omitempty"`
}

// Iptables variants.
const (
	VariantNFTables = "nf_tables"
	VariantLegacy   = "legacy"
	VariantUnknown  = "unknown"
)

// Iptables is the iptables front end and which kernel API it drives.
type Iptables struct {
	Path    string `json:"path"`
	Target  string `json:"target,omitempty"` // the binary its symlinks end at
	Variant string `json:"variant"`          // VariantNFTables, VariantLegacy or VariantUnknown
}

// Tool is an installed program.
type Tool struct {
	Path string `json:"path"`
}

// Kubernetes says whether a cluster runs (or ran) here and where its admin
// kubeconfig is. The kubeconfig is never read: it holds credentials.
type Kubernetes struct {
	Present      bool     `json:"present"`
	Distribution string   `json:"distribution,omitempty"` // k3s, rke2, kubeadm
	Kubeconfig   string   `json:"kubeconfig,omitempty"`   // the first one found
	Kubeconfigs  []string `json:"kubeconfigs,omitempty"`
	Binaries     []string `json:"binaries,omitempty"`
}
