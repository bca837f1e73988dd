package firewall

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestIPTablesApplySkipsTheTestOfAProvenBatch: once the expectation of a
// profile is rendered in a scratch namespace, applying that profile to the
// live tables runs no --test (with iptables-nft each is a transaction the
// kernel aborts, which waits for an RCU grace period), whether the jumps
// into the owned chains are missing or already there, and gives the
// rendered state. A batch of any other profile is still tested, both
// families before either is applied.
func TestIPTablesApplySkipsTheTestOfAProvenBatch(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachLoggedVariant(t, func(t *testing.T, c choice, b *iptBackend, restores func() [][]string) {
		tests := func(apply func()) int {
			before := len(restores())
			apply()
			n := 0
			for _, argv := range restores()[before:] {
				if slices.Contains(argv, "--test") {
					n++
				}
			}
			return n
		}

		for _, jumps := range []string{"missing", "in place"} {
			want, err := expected(t.Context(), c, defaultProfile(), b)
			if err != nil {
				t.Fatal(err)
			}
			if n := tests(func() { mustApply(t, b, mustRender(t, b, defaultProfile())) }); n != 0 {
				t.Errorf("jumps %s: %d --test runs for the batch just rendered in a scratch namespace, want none", jumps, n)
			}
			if got := mustState(t, b); got != want {
				t.Errorf("jumps %s: state after the apply:\n%s\nwant:\n%s", jumps, got, want)
			}
		}

		other := defaultProfile()
		other.AllowTCP = append(other.AllowTCP, 8443)
		if n := tests(func() { mustApply(t, b, mustRender(t, b, other)) }); n != 2 {
			t.Errorf("%d --test runs for a batch of another profile, want 2 (one per family)", n)
		}
	})
}

// iptEachLoggedVariant runs fn as one subtest per iptables variant, each
// from empty tables, with a backend on logging front ends (programLog) and
// its choice. Only call it in an isolated run (testenv.Isolated).
func iptEachLoggedVariant(t *testing.T, fn func(t *testing.T, c choice, b *iptBackend, programs func() [][]string)) {
	for _, v := range iptTestVariants {
		t.Run(v.variant, func(t *testing.T) {
			testenv.RequireCommand(t, v.path, "nft")
			iptReset(t)
			path, programs := programLog(t, v.path)
			c := choice{Backend: NameIPTables, Path: path, Etc: t.TempDir()}
			live, err := c.open()
			if err != nil {
				t.Fatal(err)
			}
			fn(t, c, live.(*iptBackend), programs)
		})
	}
}

// programLog puts logging front ends of the variant at path in a
// directory of their own (the backend finds the other five programs next
// to the one it is given) and returns that one's path and a function that
// reads the restores and saves run so far, one argv each.
func programLog(t *testing.T, path string) (string, func() [][]string) {
	t.Helper()
	dir, log := t.TempDir(), filepath.Join(t.TempDir(), "restores")
	suffix := strings.TrimPrefix(filepath.Base(path), "iptables")
	for _, fam := range []string{"iptables", "ip6tables"} {
		for _, prog := range []string{"", "-save", "-restore"} {
			name := fam + suffix + prog
			script := fmt.Sprintf("#!/bin/sh\nexec %q \"$@\"\n", filepath.Join(filepath.Dir(path), name))
			if prog != "" {
				script = fmt.Sprintf("#!/bin/sh\necho \"$0 $*\" >> %q\n", log) + script[len("#!/bin/sh\n"):]
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
		}
	}
	return filepath.Join(dir, filepath.Base(path)), func() [][]string {
		b, err := os.ReadFile(log)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		var out [][]string
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			if l != "" {
				out = append(out, strings.Fields(l))
			}
		}
		return out
	}
}
