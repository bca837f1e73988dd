package facts

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// tree builds a fake root: "path" -> "" is an executable file, anything
// else a symlink to it.
func tree(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for p, target := range files {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if target == "" {
			err = os.WriteFile(full, []byte("#!/bin/sh\n"), 0o755)
		} else {
			err = os.Symlink(target, full)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestFirewallVariants(t *testing.T) {
	cases := []struct {
		name    string
		files   map[string]string
		version string // what `iptables -V` says, if asked
		want    string // variant, or "" for no iptables
		nft     bool
	}{
		{"debian alternatives nft", map[string]string{
			"usr/sbin/xtables-nft-multi": "",
			"usr/sbin/iptables-nft":      "xtables-nft-multi",
			"etc/alternatives/iptables":  "/usr/sbin/iptables-nft", // absolute: resolved under root
			"usr/sbin/iptables":          "/etc/alternatives/iptables",
			"usr/sbin/nft":               "",
		}, "", facts.VariantNFTables, true},
		{"alpine legacy", map[string]string{
			"sbin/xtables-legacy-multi": "",
			"sbin/iptables":             "xtables-legacy-multi",
		}, "", facts.VariantLegacy, false},
		{"plain binary, new", map[string]string{"usr/sbin/iptables": ""}, "iptables v1.8.9 (nf_tables)", facts.VariantNFTables, false},
		{"plain binary, old", map[string]string{"usr/sbin/iptables": ""}, "iptables v1.6.1", facts.VariantLegacy, false},
		{"dangling symlink", map[string]string{"usr/sbin/iptables": "/nowhere"}, "", "", false},
		{"none", map[string]string{"usr/bin/true": ""}, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := tree(t, c.files)
			s := &Step{IptablesVersion: func(_ context.Context, bin string) (string, error) {
				if c.version == "" {
					t.Errorf("ran %s -V although its symlinks tell", bin)
				}
				if !strings.HasPrefix(bin, root) {
					t.Errorf("ran %s, outside the root", bin)
				}
				return c.version, nil
			}}
			fw, err := s.firewall(context.Background(), root)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case c.want == "" && fw.Iptables != nil:
				t.Errorf("iptables = %+v, want none", fw.Iptables)
			case c.want != "" && (fw.Iptables == nil || fw.Iptables.Variant != c.want):
				t.Errorf("iptables = %+v, want variant %s", fw.Iptables, c.want)
			}
			if (fw.Nft != nil) != c.nft {
				t.Errorf("nft = %+v, want present=%v", fw.Nft, c.nft)
			}
		})
	}
}

func TestLegacyTablesLoaded(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "proc/net"), 0o755)
	os.WriteFile(filepath.Join(root, "proc/net/ip_tables_names"), []byte("nat\nfilter\n"), 0o644)
	fw, err := (&Step{}).firewall(context.Background(), root)
	if err != nil || strings.Join(fw.LegacyTables, ",") != "nat,filter" {
		t.Errorf("legacy tables = %v (%v)", fw.LegacyTables, err)
	}
}

func TestResolveLoops(t *testing.T) {
	root := tree(t, map[string]string{"a": "/b", "b": "/a"})
	if _, err := resolve(root, "/a"); err == nil {
		t.Error("a symlink loop resolved")
	}
}

func TestKubeadmAndClientOnly(t *testing.T) {
	root := tree(t, map[string]string{"usr/bin/kubectl": ""})
	if k := kubernetes(root); k.Present {
		t.Errorf("kubectl alone counted as a cluster: %+v", k)
	}
	root = tree(t, map[string]string{"usr/bin/kubelet": "", "etc/kubernetes/admin.conf": ""})
	if k := kubernetes(root); !k.Present || k.Distribution != "kubeadm" || len(k.Binaries) != 1 {
		t.Errorf("kubeadm host = %+v", k)
	}
}
