package firewall

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// The nft goldens of this package may define -update too: define it only
// if no other file has (package variables are set before init runs).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata")
	}
}

// iptUpdateEnv carries -update into the isolated child, which is started
// without the parent's flags but with its environment.
const iptUpdateEnv = "CK8S_TEST_UPDATE_GOLDEN"

func iptUpdate() bool {
	v, _ := flag.Lookup("update").Value.(flag.Getter).Get().(bool)
	return (v || os.Getenv(iptUpdateEnv) == "1") && !testenv.CI()
}

// iptTestVariants are the two front ends every kernel test runs against.
var iptTestVariants = []struct{ variant, path string }{
	{iptVariantNFT, "/usr/sbin/iptables-nft"},
	{iptVariantLegacy, "/usr/sbin/iptables-legacy"},
}

// iptEachVariant runs fn as one subtest per variant, each starting from
// empty tables. Only call it in an isolated run (testenv.Isolated).
func iptEachVariant(t *testing.T, fn func(t *testing.T, b *iptBackend)) {
	for _, v := range iptTestVariants {
		t.Run(v.variant, func(t *testing.T) {
			testenv.RequireCommand(t, v.path, "nft")
			iptReset(t)
			b, err := NewIPTables(Options{Path: v.path, Etc: t.TempDir()})
			if err != nil {
				t.Fatal(err)
			}
			if b.Variant() != v.variant {
				t.Fatalf("Variant() = %q, want %q", b.Variant(), v.variant)
			}
			fn(t, b.(*iptBackend))
		})
	}
}

// iptReset empties both variants' tables in this (isolated) namespace:
// nf_tables by dropping every table, legacy by restoring empty tables with
// ACCEPT policies, without --noflush.
func iptReset(t *testing.T) {
	t.Helper()
	iptCmd(t, "", "nft", "flush", "ruleset")
	empty := "*filter\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\nCOMMIT\n" +
		"*nat\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n" +
		"*mangle\n:PREROUTING ACCEPT [0:0]\n:INPUT ACCEPT [0:0]\n:FORWARD ACCEPT [0:0]\n:OUTPUT ACCEPT [0:0]\n:POSTROUTING ACCEPT [0:0]\nCOMMIT\n"
	iptCmd(t, empty, "iptables-legacy-restore")
	iptCmd(t, empty, "ip6tables-legacy-restore")
}

// iptCmd runs argv with input on stdin and returns its stdout.
func iptCmd(t *testing.T, input string, argv ...string) string {
	t.Helper()
	out, err := iptExec(context.Background(), input, argv)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// iptLoadForeign fills both families with what a Kubernetes and docker
// host has (testdata/iptables/foreign.v4, .v6), INPUT policy DROP included.
func iptLoadForeign(t *testing.T, b *iptBackend) {
	t.Helper()
	for _, f := range b.fams {
		data, err := os.ReadFile(filepath.Join("testdata", "iptables", "foreign."+f.name[2:]))
		if err != nil {
			t.Fatal(err)
		}
		iptCmd(t, string(data), f.restore)
	}
}

var iptSaveCounters = regexp.MustCompile(`\s*\[\d+:\d+\]`)

// iptForeign is each family's iptables-save without comments, counters
// and any line naming an owned chain: what the backend must never change.
func iptForeign(t *testing.T, b *iptBackend) [2]string {
	t.Helper()
	var out [2]string
	for i, f := range b.fams {
		var keep []string
		for _, l := range strings.Split(iptCmd(t, "", f.save), "\n") {
			if !strings.HasPrefix(l, "#") && !strings.Contains(l, "CK8S-") {
				keep = append(keep, iptSaveCounters.ReplaceAllString(l, ""))
			}
		}
		out[i] = strings.Join(keep, "\n")
	}
	return out
}
