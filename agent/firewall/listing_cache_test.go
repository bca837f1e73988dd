package firewall

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestListingKeptWhileTheRulesetIsUnchanged: with iptables-nft a second
// listing of an unchanged ruleset runs no iptables-save; a rule added out
// of band to an owned chain, and a change anywhere else in the
// namespace's ruleset, make the next one list again, and the first shows
// the added rule. With iptables-legacy, whose tables have no generation,
// every listing runs the programs.
func TestListingKeptWhileTheRulesetIsUnchanged(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachLoggedVariant(t, func(t *testing.T, c choice, live *iptBackend, programs func() [][]string) {
		tx := &txn{dir: t.TempDir(), c: c, b: live, prof: defaultProfile(), self: "/bin/true"}
		mustApply(t, live, mustRender(t, live, defaultProfile()))
		list := func() (string, int) {
			t.Helper()
			before := len(programs())
			s, err := tx.liveState(t.Context(), tx.expectKey())
			if err != nil {
				t.Fatal(err)
			}
			saves := 0
			for _, argv := range programs()[before:] {
				if strings.HasSuffix(argv[0], "-save") {
					saves++
				}
			}
			return s, saves
		}
		nft := live.variant == iptVariantNFT

		first, saves := list()
		if saves == 0 || !strings.Contains(first, "-A CK8S-INPUT") {
			t.Fatalf("first listing: %d saves, state:\n%s", saves, first)
		}
		again, saves := list()
		if again != first || (saves == 0) != nft {
			t.Errorf("unchanged ruleset: %d saves (nf_tables: none; legacy: all), state:\n%s", saves, again)
		}

		iptCmd(t, "", live.fams[0].bin, "-w", "-A", ChainInput, "-p", "tcp", "--dport", "9", "-j", "ACCEPT")
		drifted, saves := list()
		if saves == 0 || !strings.Contains(drifted, "--dport 9 ") {
			t.Errorf("after a rule added out of band: %d saves, state:\n%s", saves, drifted)
		}
		if s, saves := list(); s != drifted || (saves == 0) != nft {
			t.Errorf("unchanged again: %d saves, state:\n%s", saves, s)
		}

		iptCmd(t, "", "nft", "add", "table", "inet", "unrelated")
		if s, saves := list(); s != drifted || saves == 0 {
			t.Errorf("after a change elsewhere in the ruleset: %d saves (want a new listing), state:\n%s", saves, s)
		}
	})
}

// TestNFTListingKeptWhileTheRulesetIsUnchanged: the same with the
// nftables backend: a second listing of an unchanged ruleset runs no nft,
// a rule added out of band to our table makes the next one list again.
func TestNFTListingKeptWhileTheRulesetIsUnchanged(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	nftb := nftTestBackend(t)
	nftCmd(t, "", "flush", "ruleset")
	dir, log := t.TempDir(), filepath.Join(t.TempDir(), "nft")
	shim := filepath.Join(dir, "nft")
	script := fmt.Sprintf("#!/bin/sh\necho \"$*\" >> %q\nexec %q \"$@\"\n", log, nftb.o.Path)
	if err := os.WriteFile(shim, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	c := choice{Backend: NameNFTables, Path: shim, Etc: t.TempDir()}
	live, err := c.open()
	if err != nil {
		t.Fatal(err)
	}
	tx := &txn{dir: t.TempDir(), c: c, b: live, prof: defaultProfile(), self: "/bin/true"}
	mustApply(t, live, mustRender(t, live, defaultProfile()))
	runs := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "\n")
	}
	list := func() (string, int) {
		t.Helper()
		before := runs()
		s, err := tx.liveState(t.Context(), tx.expectKey())
		if err != nil {
			t.Fatal(err)
		}
		return s, runs() - before
	}
	first, n := list()
	if n == 0 || !strings.Contains(first, "chain input") {
		t.Fatalf("first listing: %d nft runs, state:\n%s", n, first)
	}
	if s, n := list(); s != first || n != 0 {
		t.Errorf("unchanged ruleset: %d nft runs, want none; state:\n%s", n, s)
	}
	nftCmd(t, "", "add", "rule", "inet", NFTable, "input", "tcp", "dport", "9", "accept")
	if s, n := list(); n == 0 || !strings.Contains(s, "tcp dport 9 accept") {
		t.Errorf("after a rule added out of band: %d nft runs, state:\n%s", n, s)
	}
}
