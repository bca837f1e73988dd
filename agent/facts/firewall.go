package facts

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/agent/firewall"
	"github.com/ck8s/ck8sctl/internal/facts"
)

// firewall finds the packet filter front ends. Which kernel API iptables
// drives is read from where its symlinks end (xtables-nft-multi vs
// xtables-legacy-multi) and only when that says nothing, from `iptables -V`.
func (s *Step) firewall(ctx context.Context, root string) (facts.Firewall, error) {
	var fw facts.Firewall
	var errs []error
	if p := findBinary(root, "iptables"); p != "" {
		ipt, err := s.iptables(ctx, root, p)
		fw.Iptables = ipt
		errs = append(errs, err)
	}
	if p := findBinary(root, "nft"); p != "" {
		fw.Nft = &facts.Tool{Path: p}
	}
	for _, f := range []string{"proc/net/ip_tables_names", "proc/net/ip6_tables_names"} {
		b, err := os.ReadFile(filepath.Join(root, f))
		if err != nil {
			continue // the module is not loaded: no legacy tables
		}
		fw.LegacyTables = append(fw.LegacyTables, strings.Fields(string(b))...)
	}
	if fw.Iptables != nil || fw.Nft != nil {
		var err error
		fw.Auto, fw.AutoPath, err = firewall.Auto(ctx, root)
		errs = append(errs, err)
	}
	return fw, errors.Join(errs...)
}

func (s *Step) iptables(ctx context.Context, root, p string) (*facts.Iptables, error) {
	ipt := &facts.Iptables{Path: p, Variant: facts.VariantUnknown}
	target, err := resolve(root, p)
	if err != nil {
		return ipt, fmt.Errorf("resolving %s: %w", p, err)
	}
	ipt.Target = target
	if v := variantOf(path.Base(target)); v != "" {
		ipt.Variant = v
		return ipt, nil
	}
	if s.IptablesVersion == nil {
		return ipt, nil
	}
	out, err := s.IptablesVersion(ctx, filepath.Join(root, p))
	if err != nil {
		return ipt, fmt.Errorf("asking %s for its variant: %w", p, err)
	}
	ipt.Variant = variantOfVersion(out)
	return ipt, nil
}

// variantOf tells the variant from a binary's name, "" if it does not.
func variantOf(name string) string {
	switch {
	case strings.Contains(name, "nft"):
		return facts.VariantNFTables
	case strings.Contains(name, "legacy"):
		return facts.VariantLegacy
	}
	return ""
}

// variantOfVersion reads `iptables -V`: "iptables v1.8.9 (nf_tables)" or
// "(legacy)"; before 1.8 there was no variant and no suffix: legacy.
func variantOfVersion(out string) string {
	switch {
	case strings.Contains(out, "(nf_tables)"):
		return facts.VariantNFTables
	case strings.Contains(out, "(legacy)"), strings.HasPrefix(out, "iptables v1."):
		return facts.VariantLegacy
	}
	return facts.VariantUnknown
}

func iptablesVersion(ctx context.Context, bin string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "-V").Output()
	return strings.TrimSpace(string(out)), err
}
