package firewall

import (
	"context"
	"flag"
	"os/exec"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// The iptables goldens of this package may define -update too: define it
// only if no other file has (package variables are set before init runs).
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata")
	}
}

func nftUpdate() bool {
	v, _ := flag.Lookup("update").Value.(flag.Getter).Get().(bool)
	return v
}

// nftTestBackend is the backend on this machine's nft. Only call it in an
// isolated run (testenv.Isolated) before changing anything.
func nftTestBackend(t *testing.T) *nftBackend {
	t.Helper()
	testenv.RequireCommand(t, "nft")
	path, err := exec.LookPath("nft")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewNFTables(Options{Path: path, Etc: "/etc"})
	if err != nil {
		t.Fatal(err)
	}
	return b.(*nftBackend)
}

// nftCmd runs nft with args and input on stdin.
func nftCmd(t *testing.T, input string, args ...string) string {
	t.Helper()
	out, err := nftExec(context.Background(), input, "nft", args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func nftSh(t *testing.T, script string) {
	t.Helper()
	if out, err := exec.Command("sh", "-ec", script).CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", script, err, out)
	}
}

// nftForeign is `nft list ruleset` without our table: what the backend
// must never change.
func nftForeign(t *testing.T) string {
	t.Helper()
	var out []string
	ours := false
	for line := range strings.Lines(nftCmd(t, "", "list", "ruleset")) {
		switch {
		case line == "table "+nftTable+" {\n":
			ours = true
		case ours && strings.HasPrefix(line, "}"):
			ours = false
		case !ours:
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
