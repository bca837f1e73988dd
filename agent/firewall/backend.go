package firewall

import (
	"context"
	"net/netip"
)

// Backend names, as the plan and the events spell them.
const (
	NameIPTables = "iptables"
	NameNFTables = "nftables"
)

// Owned names: the only objects the agent creates or changes.
const (
	ChainInput      = "CK8S-INPUT"      // iptables filter table, jumped to from INPUT
	ChainPrerouting = "CK8S-PREROUTING" // iptables mangle table, jumped to from PREROUTING
	NFTable         = "ck8s"            // nftables: table inet ck8s
)

// Profile is the resolved firewall profile: the plan's section plus the
// ports the host's sshd really listens on.
type Profile struct {
	AllowTCP          []int
	AllowUDP          []int
	SSHPorts          []int          // always allowed, from SSHSources only when set
	SSHSources        []netip.Prefix // empty: anyone
	TrustedInterfaces []string
	TrustedCIDRs      []netip.Prefix
	Reject            bool
}

// Backend drives one packet filter front end. Every method touches only
// owned objects (see the package documentation).
type Backend interface {
	// Name is NameIPTables or NameNFTables.
	Name() string
	// Variant is "nf_tables" or "legacy" for iptables, "" for nftables.
	Variant() string
	// State lists the owned objects as they are now, both families, in a
	// canonical text without counters: the same text before and after a
	// no-op, and a readable diff when someone changed a rule by hand.
	// Empty when nothing owned exists.
	State(ctx context.Context) (string, error)
	// Render returns the batch that replaces the owned objects with p.
	Render(ctx context.Context, p Profile) (Batch, error)
	// Snapshot returns the batch that puts the owned objects back as they
	// are now (removing them if there are none): the rollback.
	Snapshot(ctx context.Context) (Batch, error)
	// Apply runs b: one transaction per family, all or nothing.
	Apply(ctx context.Context, b Batch) error
	// Persist saves the owned objects as they are now where the host's
	// boot restores them, keeping whatever else those files hold. It
	// returns the files written.
	Persist(ctx context.Context) ([]string, error)
}

// Batch is a backend's transaction: programs fed their input on stdin, run
// in order. It is JSON so the detached watchdog can read its rollback from
// disk.
type Batch struct {
	Backend string `json:"backend"`
	Parts   []Part `json:"parts"`
}

// Part is one program run of a batch (iptables-restore --noflush, nft -f -).
type Part struct {
	Argv  []string `json:"argv"`
	Input string   `json:"input"`
}

// Options locate a backend's programs and files on the host.
type Options struct {
	// Path is the front end's binary: /usr/sbin/iptables (or a variant
	// such as /usr/sbin/iptables-legacy; ip6tables and the -save/-restore
	// programs are found next to it with the same suffix), or /usr/sbin/nft.
	Path string
	// Etc is the directory persistence writes under: "/etc" on a host,
	// the root prefix's etc in tests.
	Etc string
}

// holdReads lets b reuse its listings of the owned objects until release,
// where it can (the iptables backend: hold); other backends read anew.
func holdReads(b Backend) (release func()) {
	if h, ok := b.(interface{ hold() func() }); ok {
		return h.hold()
	}
	return func() {}
}
