package remotetest

import (
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/internal/remote"
)

func TestWordsUndoesQuote(t *testing.T) {
	args := []string{"it's", "", "a b", `back\slash`, "$HOME", `"x"`, "'"}
	cmd := "sh -c " + remote.Quote("echo \"$@\"; exit 3") + " name"
	for _, a := range args {
		cmd += " " + remote.Quote(a)
	}
	cmd += " plain"
	got, err := ParseShC(cmd)
	if err != nil {
		t.Fatal(err)
	}
	want := append(slices.Clone(args), "plain")
	if got.Script != `echo "$@"; exit 3` || got.Name != "name" || !slices.Equal(got.Args, want) {
		t.Fatalf("ParseShC = %+v\nwant args %q", got, want)
	}
}

func TestWordsRefusesWhatAShellWouldExpand(t *testing.T) {
	for _, cmd := range []string{`echo $HOME`, `echo "x"`, "echo `id`", `echo 'open`, `echo \`} {
		if w, err := Words(cmd); err == nil {
			t.Errorf("Words(%q) = %q, want an error", cmd, w)
		}
	}
	if _, err := ParseShC("echo hi"); err == nil {
		t.Error("ParseShC accepted a command that is not sh -c")
	}
}
