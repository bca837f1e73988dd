package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadInputExit2NamesFieldAndLine(t *testing.T) {
	dir := t.TempDir()
	pb := filepath.Join(dir, "bad.yaml")
	os.WriteFile(pb, []byte("domain: staging.example.com\nhosts:\n  - name: a\n    address: 203.0.113.10\n    port: 70000\n"), 0o600)
	cases := []struct {
		args []string
		want []string
	}{
		{[]string{"bootstrap", "-p", pb}, []string{"bad.yaml:5", "hosts[0].port"}},
		{[]string{"bootstrap", "-p", filepath.Join(dir, "missing.yaml")}, []string{"missing.yaml"}},
		{[]string{"bootstrap", "-p", pb, "--forks", "0"}, []string{"--forks"}},
		{[]string{"bootstrap", "-p", pb, "-o", "xml"}, []string{"--output"}},
		{[]string{"bootstrap", "--no-such-flag"}, []string{"no-such-flag"}},
		{[]string{"events", "--db", filepath.Join(dir, "db"), "--type", "Not A Type"}, []string{"--type"}},
	}
	for _, c := range cases {
		r := ck8sctl(t, c.args...)
		if r.code != ExitBadInput {
			t.Errorf("%v: exit %d, want 2\n%s", c.args, r.code, r.stderr)
		}
		for _, w := range c.want {
			if !strings.Contains(r.stderr, w) {
				t.Errorf("%v: stderr %q does not name %q", c.args, r.stderr, w)
			}
		}
	}
}
