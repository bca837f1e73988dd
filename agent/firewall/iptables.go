package firewall

import (
	"errors"
	"fmt"

	"github.com/coreos/go-iptables/iptables"
)

// iptWaitSeconds bounds how long one iptables call waits for the xtables
// lock another program (kube-proxy, docker) holds: go-iptables takes no
// context, and an unbounded wait would hang the agent with the host lock.
const iptWaitSeconds = 30

// iptBackend drives iptables through go-iptables for reads and checks and
// through iptables-restore --noflush for writes: one restore per family,
// which replaces only what names our chains.
type iptBackend struct {
	o       Options
	variant string
	fams    []*iptFamily // ipv4, then ipv6: the order parts run in
}

var _ Backend = (*iptBackend)(nil)

// iptFamily is one address family's programs.
type iptFamily struct {
	name    string // "ipv4" or "ipv6", as State spells it
	v6      bool
	ipt     *iptables.IPTables
	bin     string // iptables or ip6tables
	save    string
	restore string
	wait    bool // the restore program knows -w (iptables >= 1.6.2)
}

// NewIPTables returns the iptables backend. o.Path is the iptables binary
// of the variant to drive (iptables, iptables-nft, iptables-legacy); the
// other programs are taken from the same directory with the same suffix.
// Both families are required: a host whose ip6tables is missing or cannot
// read its tables gets an error, never an IPv4-only firewall that leaves
// every IPv6 port open.
func NewIPTables(o Options) (Backend, error) {
	if o.Path == "" {
		return nil, errors.New("creating the iptables backend: no path to iptables")
	}
	if o.Etc == "" {
		o.Etc = "/etc"
	}
	paths, err := iptDerivePaths(o.Path)
	if err != nil {
		return nil, fmt.Errorf("creating the iptables backend: %w", err)
	}
	if err := paths.check(); err != nil {
		return nil, fmt.Errorf("creating the iptables backend: %w", err)
	}
	variant, err := iptVariant(paths.ip4)
	if err != nil {
		return nil, fmt.Errorf("creating the iptables backend: %w", err)
	}
	v6, err := iptVariant(paths.ip6)
	if err != nil {
		return nil, fmt.Errorf("creating the iptables backend: %w", err)
	}
	if v6 != variant {
		// Possible with plain names, whose alternatives are set apart.
		return nil, fmt.Errorf("creating the iptables backend: %s is %s but %s is %s: both families must use one variant",
			paths.ip4, variant, paths.ip6, v6)
	}
	b := &iptBackend{o: o, variant: variant}
	for _, f := range []struct {
		name, bin, save, restore string
		proto                    iptables.Protocol
	}{
		{"ipv4", paths.ip4, paths.save4, paths.restore4, iptables.ProtocolIPv4},
		{"ipv6", paths.ip6, paths.save6, paths.restore6, iptables.ProtocolIPv6},
	} {
		fam, err := iptNewFamily(f.name, f.bin, f.proto)
		if err != nil {
			return nil, fmt.Errorf("creating the iptables backend: %w", err)
		}
		fam.save, fam.restore = f.save, f.restore
		b.fams = append(b.fams, fam)
	}
	return b, nil
}

func iptNewFamily(name, bin string, proto iptables.Protocol) (*iptFamily, error) {
	ipt, err := iptables.New(iptables.Path(bin), iptables.IPFamily(proto), iptables.Timeout(iptWaitSeconds))
	if err != nil {
		return nil, fmt.Errorf("running %s: %w", bin, err)
	}
	// Reading the filter table proves the kernel side works: with IPv6
	// disabled (ipv6.disable=1) ip6tables exists but cannot open its tables.
	if _, err := ipt.ChainExists("filter", "INPUT"); err != nil {
		return nil, fmt.Errorf("reading the %s filter table with %s (is %s disabled in the kernel?): %w", name, bin, name, err)
	}
	v1, v2, v3 := ipt.GetIptablesVersion()
	wait := v1 > 1 || (v1 == 1 && (v2 > 6 || (v2 == 6 && v3 >= 2)))
	return &iptFamily{name: name, v6: proto == iptables.ProtocolIPv6, ipt: ipt, bin: bin, wait: wait}, nil
}

func (b *iptBackend) Name() string    { return NameIPTables }
func (b *iptBackend) Variant() string { return b.variant }

// restoreArgv is how every part runs: --noflush, so the restore only
// touches the chains its input names, never the rest of the table.
func (f *iptFamily) restoreArgv() []string {
	argv := []string{f.restore, "--noflush"}
	if f.wait {
		argv = append(argv, "-w")
	}
	return argv
}
