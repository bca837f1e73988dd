package firewall

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

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
	tx, _, runs := nftLoggedTxn(t)
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

// nftLoggedTxn is a txn on the nftables backend whose nft is a shim that
// logs each run, with the default profile applied to an empty ruleset;
// runs counts the nft runs.
func nftLoggedTxn(t *testing.T) (*txn, Backend, func() int) {
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
	mustApply(t, live, mustRender(t, live, defaultProfile()))
	runs := func() int {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "\n")
	}
	return &txn{dir: t.TempDir(), c: c, b: live, prof: defaultProfile(), self: "/bin/true"}, live, runs
}

// TestNFTSnapshotFromTheRunsListing: the rollback of an apply is the
// listing the run has just read while no commit came since (no nft run),
// the same batch a fresh snapshot is; after a rule added out of band it
// is listed again and has that rule.
func TestNFTSnapshotFromTheRunsListing(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	tx, live, runs := nftLoggedTxn(t)
	if _, err := tx.liveState(t.Context(), tx.expectKey()); err != nil {
		t.Fatal(err)
	}
	snap := func() (Batch, int) {
		t.Helper()
		before := runs()
		b, err := tx.snapshot(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		return b, runs() - before
	}
	got, n := snap()
	want, err := live.Snapshot(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 || !reflect.DeepEqual(got, want) {
		t.Errorf("snapshot after the run's listing: %d nft runs (want none), batch %+v, want %+v", n, got, want)
	}
	nftCmd(t, "", "add", "rule", "inet", NFTable, "input", "tcp", "dport", "9", "accept")
	if got, n := snap(); n == 0 || len(got.Parts) != 1 || !strings.Contains(got.Parts[0].Input, "tcp dport 9 accept") {
		t.Errorf("snapshot after a rule added out of band: %d nft runs (want a listing), batch %+v", n, got)
	}
}

// TestNFTConfirmPersistsWhatItMade: the confirm of an nftables change
// persists and records the state the change made without listing it (no
// nft run), the same file Persist writes from a listing.
func TestNFTConfirmPersistsWhatItMade(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	tx, live, runs := nftLoggedTxn(t)
	state, err := live.State(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	p := &pending{ID: newID(), choice: tx.c, Persist: true, Want: state}
	before := runs()
	r := confirmLocked(t.Context(), tx.dir, p, time.Now)
	if n := runs() - before; n != 0 || r.PersistError != "" || len(r.Persisted) == 0 {
		t.Fatalf("confirm: %d nft runs (want none), result %+v", n, r)
	}
	made, err := os.ReadFile(r.Persisted[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := live.Persist(t.Context()); err != nil {
		t.Fatal(err)
	}
	listed, err := os.ReadFile(r.Persisted[0])
	if err != nil || string(made) != string(listed) || !strings.Contains(string(made), "chain input") {
		t.Errorf("persisted by the confirm:\n%s\nby Persist (%v):\n%s", made, err, listed)
	}
}
