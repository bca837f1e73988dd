package firewall

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Variants as Variant reports them, spelled as `iptables -V` does.
const (
	iptVariantNFT    = "nf_tables"
	iptVariantLegacy = "legacy"
)

// iptPaths are the six programs of one iptables variant.
type iptPaths struct {
	ip4, save4, restore4 string
	ip6, save6, restore6 string
}

// iptDerivePaths finds the programs next to iptables with the same suffix:
// /usr/sbin/iptables-legacy gives ip6tables-legacy, iptables-legacy-save,
// ip6tables-legacy-restore. Mixing variants would write rules one front end
// cannot see, so the suffix is never dropped.
func iptDerivePaths(path string) (iptPaths, error) {
	dir, base := filepath.Split(path)
	suffix, ok := strings.CutPrefix(base, "iptables")
	if !ok {
		return iptPaths{}, fmt.Errorf("%s is not an iptables binary (its name must start with iptables)", path)
	}
	p := func(name string) string { return filepath.Join(dir, name) }
	return iptPaths{
		ip4: path, save4: p("iptables" + suffix + "-save"), restore4: p("iptables" + suffix + "-restore"),
		ip6: p("ip6tables" + suffix), save6: p("ip6tables" + suffix + "-save"), restore6: p("ip6tables" + suffix + "-restore"),
	}, nil
}

// check fails naming the first program that is missing or not executable.
func (p iptPaths) check() error {
	for _, name := range []string{p.ip4, p.save4, p.restore4, p.ip6, p.save6, p.restore6} {
		st, err := os.Stat(name)
		if err == nil && (st.IsDir() || st.Mode()&0o111 == 0) {
			err = fmt.Errorf("not an executable file")
		}
		if err != nil {
			return fmt.Errorf("finding %s (the firewall needs IPv4 and IPv6 programs of one variant): %w", name, err)
		}
	}
	return nil
}

// iptVariant tells nf_tables from legacy by the multi-call binary the
// program resolves to (Debian's alternatives are symlinks to it), else by
// what `iptables -V` prints: "(nf_tables)" or "(legacy)", nothing before
// iptables 1.8 which only had legacy.
func iptVariant(path string) (string, error) {
	if real, err := filepath.EvalSymlinks(path); err == nil {
		switch filepath.Base(real) {
		case "xtables-nft-multi":
			return iptVariantNFT, nil
		case "xtables-legacy-multi":
			return iptVariantLegacy, nil
		}
	}
	var out bytes.Buffer
	cmd := exec.Command(path, "-V")
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("asking %s -V for its variant: %w", path, err)
	}
	if strings.Contains(out.String(), "(nf_tables)") {
		return iptVariantNFT, nil
	}
	return iptVariantLegacy, nil
}
