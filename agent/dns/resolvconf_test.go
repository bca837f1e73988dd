package dns

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestParseResolvConf(t *testing.T) {
	cases := []struct {
		name, in    string
		ns, search  []string
		ndots, att  int
		timeout     time.Duration
		noteContain string
	}{
		{name: "empty: glibc defaults", in: "", ns: []string{"127.0.0.1:53"}, ndots: 1, att: 2, timeout: 5 * time.Second, noteContain: "127.0.0.1"},
		{name: "full", in: "# comment\n; also\nnameserver 198.18.3.1\nnameserver 2001:db8:3::1\nsearch lab.test. example.test\noptions ndots:2 timeout:1 attempts:3 rotate edns0\n",
			ns: []string{"198.18.3.1:53", "[2001:db8:3::1]:53"}, search: []string{"lab.test", "example.test"}, ndots: 2, att: 3, timeout: time.Second},
		{name: "last of search and domain wins", in: "search a.test b.test\ndomain c.test\nnameserver 198.18.3.1\n",
			ns: []string{"198.18.3.1:53"}, search: []string{"c.test"}, ndots: 1, att: 2, timeout: 5 * time.Second},
		{name: "glibc limits", in: "nameserver 198.18.3.1\nnameserver 198.18.3.2\nnameserver 198.18.3.3\nnameserver 198.18.3.4\nnameserver dns.test\noptions ndots:99 timeout:99 attempts:99 timeout:x\n",
			ns: []string{"198.18.3.1:53", "198.18.3.2:53", "198.18.3.3:53"}, ndots: 15, att: 5, timeout: 30 * time.Second, noteContain: "first 3"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rc, err := ParseResolvConf(strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(rc.Nameservers, c.ns) || !slices.Equal(rc.Search, c.search) || rc.Ndots != c.ndots || rc.Attempts != c.att || rc.Timeout != c.timeout {
				t.Errorf("got %+v", rc)
			}
			if c.noteContain != "" && !strings.Contains(strings.Join(rc.Notes, "\n"), c.noteContain) {
				t.Errorf("notes %q lack %q", rc.Notes, c.noteContain)
			}
		})
	}
}

func TestMissingResolvConfUsesDefaults(t *testing.T) {
	rc, err := ReadResolvConf(filepath.Join(t.TempDir(), "resolv.conf"))
	if err != nil || !slices.Equal(rc.Nameservers, []string{"127.0.0.1:53"}) || len(rc.Notes) != 2 {
		t.Fatalf("rc %+v err %v", rc, err)
	}
}

func TestCandidatesFollowNdots(t *testing.T) {
	rc := &ResolvConf{Ndots: 1, Search: []string{"lab.test"}}
	if got := rc.Candidates("staging.example.test"); !slices.Equal(got, []string{"staging.example.test.", "staging.example.test.lab.test."}) {
		t.Errorf("dotted name: %q", got)
	}
	if got := rc.Candidates("staging"); !slices.Equal(got, []string{"staging.lab.test.", "staging."}) {
		t.Errorf("bare label: search first, got %q", got)
	}
	rc.Ndots = 5
	if got := rc.Candidates("staging.example.test"); got[0] != "staging.example.test.lab.test." {
		t.Errorf("ndots:5: search first, got %q", got)
	}
	if got := rc.Candidates("staging.example.test."); !slices.Equal(got, []string{"staging.example.test."}) {
		t.Errorf("absolute name: %q", got)
	}
}
