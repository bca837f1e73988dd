package firewall

import (
	"errors"
	"fmt"
	"sync"

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
	// scratch is set for the expectation's namespace, which is thrown
	// away (see fresh): Apply skips the --test runs that keep a live
	// host's families all or nothing (two programs less per expectation; a
	// refused input fails the expectation either way).
	scratch bool
	// proven holds per family the restore the kernel committed in this
	// process's scratch namespace a moment ago (expected, prove): Apply
	// skips the --test runs for a batch of those inputs.
	proven map[string]iptRun
}

var _ Backend = (*iptBackend)(nil)

// iptFamily is one address family's programs.
type iptFamily struct {
	name    string // "ipv4" or "ipv6", as State spells it
	v6      bool
	bin     string // iptables or ip6tables
	save    string
	restore string

	// ipt is go-iptables for the checks of a jump line other than the
	// plain jump, made on first use (handle): creating it runs iptables
	// --version, which the usual runs never need (see jumpExists and
	// restoreArgv).
	mu  sync.Mutex
	ipt *iptables.IPTables
	// held, while not nil, keeps each table's listing until this backend
	// runs a restore of the family (see hold).
	held map[iptHook]iptChainState
	// version is the one the last iptables-save printed in its header,
	// zero before any listing (see iptSaveVersion).
	version [3]int
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
	b.fams = []*iptFamily{
		{name: "ipv4", bin: paths.ip4, save: paths.save4, restore: paths.restore4},
		{name: "ipv6", v6: true, bin: paths.ip6, save: paths.save6, restore: paths.restore6},
	}
	return b, nil
}

// fresh readies b for a network namespace created a moment ago, where
// no owned chain can exist yet: every table reads as empty without an
// iptables-save run (four programs less per expectation), restores skip
// --test, and the restore's -w comes from the version live's own listing
// printed (the same programs), or from iptables --version when live has
// not listed yet. Only the expectation's scratch namespace calls it.
func (b *iptBackend) fresh(live Backend) {
	b.scratch = true
	from, _ := live.(*iptBackend)
	for i, f := range b.fams {
		f.mu.Lock()
		if f.held != nil {
			for _, h := range iptHooks {
				f.held[h] = iptChainState{}
			}
		}
		f.mu.Unlock()
		if from == nil || i >= len(from.fams) || from.fams[i].bin != f.bin {
			continue
		}
		from.fams[i].mu.Lock()
		v := from.fams[i].version
		from.fams[i].mu.Unlock()
		f.mu.Lock()
		f.version = v
		f.mu.Unlock()
	}
}

// handle returns the family's go-iptables, made on first use.
func (f *iptFamily) handle() (*iptables.IPTables, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ipt != nil {
		return f.ipt, nil
	}
	proto := iptables.ProtocolIPv4
	if f.v6 {
		proto = iptables.ProtocolIPv6
	}
	ipt, err := iptables.New(iptables.Path(f.bin), iptables.IPFamily(proto), iptables.Timeout(iptWaitSeconds))
	if err != nil {
		return nil, fmt.Errorf("running %s: %w", f.bin, err)
	}
	f.ipt = ipt
	return ipt, nil
}

func (b *iptBackend) Name() string    { return NameIPTables }
func (b *iptBackend) Variant() string { return b.variant }

// restoreArgv is how every part runs: --noflush, so the restore only
// touches the chains its input names, never the rest of the table; and -w
// (wait for the xtables lock) where the restore knows it (iptables >=
// 1.6.2).
// The version comes from the family's last iptables-save header (every
// batch is built from a listing), else from iptables --version.
func (f *iptFamily) restoreArgv() ([]string, error) {
	f.mu.Lock()
	v1, v2, v3 := f.version[0], f.version[1], f.version[2]
	f.mu.Unlock()
	if v1 == 0 && v2 == 0 && v3 == 0 {
		ipt, err := f.handle()
		if err != nil {
			return nil, err
		}
		v1, v2, v3 = ipt.GetIptablesVersion()
	}
	argv := []string{f.restore, "--noflush"}
	if v1 > 1 || (v1 == 1 && (v2 > 6 || (v2 == 6 && v3 >= 2))) {
		argv = append(argv, "-w")
	}
	return argv, nil
}
