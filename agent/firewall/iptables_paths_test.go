package firewall

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

func TestIPTablesDerivePaths(t *testing.T) {
	for path, want := range map[string]iptPaths{
		"/usr/sbin/iptables": {
			ip4: "/usr/sbin/iptables", save4: "/usr/sbin/iptables-save", restore4: "/usr/sbin/iptables-restore",
			ip6: "/usr/sbin/ip6tables", save6: "/usr/sbin/ip6tables-save", restore6: "/usr/sbin/ip6tables-restore"},
		"/usr/sbin/iptables-legacy": {
			ip4: "/usr/sbin/iptables-legacy", save4: "/usr/sbin/iptables-legacy-save", restore4: "/usr/sbin/iptables-legacy-restore",
			ip6: "/usr/sbin/ip6tables-legacy", save6: "/usr/sbin/ip6tables-legacy-save", restore6: "/usr/sbin/ip6tables-legacy-restore"},
		"/sbin/iptables-nft": {
			ip4: "/sbin/iptables-nft", save4: "/sbin/iptables-nft-save", restore4: "/sbin/iptables-nft-restore",
			ip6: "/sbin/ip6tables-nft", save6: "/sbin/ip6tables-nft-save", restore6: "/sbin/ip6tables-nft-restore"},
	} {
		got, err := iptDerivePaths(path)
		if err != nil || got != want {
			t.Errorf("iptDerivePaths(%s) = %+v, %v; want %+v", path, got, err, want)
		}
	}
	if _, err := iptDerivePaths("/usr/sbin/nft"); err == nil {
		t.Error("iptDerivePaths accepted nft")
	}
}

// iptFakeSbin makes a directory of symlinks to the multi-call binaries
// named like Debian's, leaving out the names in skip.
func iptFakeSbin(t *testing.T, multi4, multi6 string, skip ...string) string {
	t.Helper()
	testenv.RequireCommand(t, multi4, multi6)
	dir := t.TempDir()
	for _, name := range []string{"iptables", "iptables-save", "iptables-restore", "ip6tables", "ip6tables-save", "ip6tables-restore"} {
		target := multi4
		if strings.HasPrefix(name, "ip6") {
			target = multi6
		}
		if slices.Contains(skip, name) {
			continue
		}
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestIPTablesNeedsIPv6: a host without ip6tables gets an error naming it,
// not an IPv4-only firewall.
func TestIPTablesNeedsIPv6(t *testing.T) {
	for _, missing := range []string{"ip6tables", "ip6tables-restore"} {
		dir := iptFakeSbin(t, "/usr/sbin/xtables-nft-multi", "/usr/sbin/xtables-nft-multi", missing)
		_, err := NewIPTables(Options{Path: filepath.Join(dir, "iptables")})
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, missing)) || !strings.Contains(err.Error(), "IPv6") {
			t.Errorf("without %s: NewIPTables error = %v, want one naming it and IPv6", missing, err)
		}
	}
}

// TestIPTablesOneVariant: iptables and ip6tables pointing at different
// variants would split the firewall across tables that do not see each
// other.
func TestIPTablesOneVariant(t *testing.T) {
	dir := iptFakeSbin(t, "/usr/sbin/xtables-nft-multi", "/usr/sbin/xtables-legacy-multi")
	_, err := NewIPTables(Options{Path: filepath.Join(dir, "iptables")})
	if err == nil || !strings.Contains(err.Error(), "one variant") {
		t.Errorf("NewIPTables with mixed variants: %v, want an error", err)
	}
}

func TestIPTablesVariantBySymlink(t *testing.T) {
	for multi, want := range map[string]string{"/usr/sbin/xtables-nft-multi": iptVariantNFT, "/usr/sbin/xtables-legacy-multi": iptVariantLegacy} {
		dir := iptFakeSbin(t, multi, multi)
		if got, err := iptVariant(filepath.Join(dir, "iptables")); err != nil || got != want {
			t.Errorf("variant of a link to %s = %q, %v; want %s", multi, got, err, want)
		}
	}
}
