package firewall

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// ErrNoFirewall is a host with neither front end installed. Not retryable
// as is: install iptables or nftables first.
var ErrNoFirewall = errors.New("neither iptables nor nft found on the host; nothing changed")

// binDirs are where Choose looks for the front ends, in order.
var binDirs = []string{"/usr/sbin", "/sbin", "/usr/bin", "/bin"}

// choice is a chosen backend and where its programs are: all the scratch
// namespace and another process (the watchdog, firewall-confirm) need to
// open the same backend again.
type choice struct {
	Backend string `json:"backend"`
	Path    string `json:"path"`
	Etc     string `json:"etc"`
}

// Choose returns the backend the plan's name ("auto", "iptables" or
// "nftables") means on the host under the root prefix. auto keeps to
// iptables where iptables rules are already in use (kube-proxy, docker and
// flannel leave theirs), so the profile sits in the tables that are
// evaluated alongside them; otherwise it prefers nftables.
func Choose(root, backend string) (Backend, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := choose(ctx, root, backend)
	if err != nil {
		return nil, err
	}
	return c.open()
}

func choose(ctx context.Context, root, name string) (choice, error) {
	ipt, nft := findBinary(root, "iptables"), findBinary(root, "nft")
	etc := filepath.Join(root, "etc")
	switch name {
	case NameNFTables:
		if nft == "" {
			return choice{}, fmt.Errorf("firewall backend nftables: nft not found in %s under %s; nothing changed", strings.Join(binDirs, ", "), root)
		}
		return choice{Backend: NameNFTables, Path: nft, Etc: etc}, nil
	case NameIPTables:
		if ipt == "" {
			return choice{}, fmt.Errorf("firewall backend iptables: iptables not found in %s under %s; nothing changed", strings.Join(binDirs, ", "), root)
		}
		return choice{Backend: NameIPTables, Path: iptablesVariant(ctx, root, ipt), Etc: etc}, nil
	case "auto":
		switch {
		case ipt == "" && nft == "":
			return choice{}, ErrNoFirewall
		case ipt != "" && (nft == "" || legacyTables(root) || saveShowsRules(ctx, ipt)):
			return choice{Backend: NameIPTables, Path: iptablesVariant(ctx, root, ipt), Etc: etc}, nil
		}
		return choice{Backend: NameNFTables, Path: nft, Etc: etc}, nil
	}
	return choice{}, fmt.Errorf("firewall backend %q is not auto, iptables or nftables", name)
}

// backends are the constructors by name (a test adds a fake).
var backends = map[string]func(Options) (Backend, error){
	NameIPTables: NewIPTables,
	NameNFTables: NewNFTables,
}

// open returns the backend c names.
func (c choice) open() (Backend, error) {
	newBackend, ok := backends[c.Backend]
	if !ok {
		return nil, fmt.Errorf("unknown firewall backend %q", c.Backend)
	}
	return newBackend(Options{Path: c.Path, Etc: c.Etc})
}

// iptablesVariant returns the iptables binary to drive: the default one,
// unless only the legacy tables are in use and iptables-legacy exists (a
// kube-proxy in legacy mode on a host whose alternatives point to
// iptables-nft): the profile must sit in the tables the kernel evaluates
// with theirs, and the legacy ones are invisible to iptables-nft.
func iptablesVariant(ctx context.Context, root, ipt string) string {
	legacy := findBinary(root, "iptables-legacy")
	if legacy == "" || legacy == ipt || !legacyTables(root) || saveShowsRules(ctx, ipt) {
		return ipt
	}
	return legacy
}

// findBinary returns the path of the program name under root ("" if it is
// not installed): a regular executable file, symlinks followed.
func findBinary(root, name string) string {
	for _, d := range binDirs {
		p := filepath.Join(root, d, name)
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}

// legacyTables reports whether the legacy (x_tables) iptables holds any
// table in the host's network namespace: the kernel lists a table there
// once anything (kube-proxy, docker, an admin) used it.
func legacyTables(root string) bool {
	for _, f := range []string{"proc/net/ip_tables_names", "proc/net/ip6_tables_names"} {
		if b, err := os.ReadFile(filepath.Join(root, f)); err == nil && strings.TrimSpace(string(b)) != "" {
			return true
		}
	}
	return false
}

// saveShowsRules reports whether iptables-save (and ip6tables-save) of
// the iptables binary ipt list any rule or non-built-in chain.
func saveShowsRules(ctx context.Context, ipt string) bool {
	dir, base := filepath.Split(ipt)
	for _, name := range []string{base + "-save", "ip6" + strings.TrimPrefix(base, "ip") + "-save"} {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		out, err := exec.CommandContext(ctx, filepath.Join(dir, name)).Output()
		cancel()
		if err == nil && rulesInUse(string(out)) {
			return true
		}
	}
	return false
}

// builtinChains are the chains every iptables table starts with.
var builtinChains = map[string]bool{"INPUT": true, "OUTPUT": true, "FORWARD": true, "PREROUTING": true, "POSTROUTING": true}

// rulesInUse reads iptables-save output: any rule, or any chain besides
// the built-in ones, means someone uses iptables on this host.
func rulesInUse(save string) bool {
	sc := bufio.NewScanner(strings.NewReader(save))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "-A "):
			return true
		case strings.HasPrefix(line, ":"):
			if chain, _, _ := strings.Cut(line[1:], " "); !builtinChains[chain] {
				return true
			}
		}
	}
	return false
}

// Auto reports what backend "auto" would drive on the host under root, and
// through which binary, without running anything that changes it: the
// facts step reports it, so a sweep shows the choice before any change.
func Auto(ctx context.Context, root string) (backend, path string, err error) {
	c, err := choose(ctx, root, "auto")
	return c.Backend, c.Path, err
}
