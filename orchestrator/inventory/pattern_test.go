package inventory

import (
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// universe: web (w1 w2 w3), db (d1 w3), lb (l.example.com), a host named
// like a group, and the hosts in "all" order.
var testUniverse = Universe{
	Hosts:  []string{"w1", "w2", "w3", "d1", "l.example.com", "db"},
	Groups: []string{"all", "ungrouped", "web", "db", "lb"},
	Members: func(g string) []string {
		return map[string][]string{
			"all":       {"w1", "w2", "w3", "d1", "l.example.com", "db"},
			"ungrouped": {"db"},
			"web":       {"w1", "w2", "w3"},
			"db":        {"d1", "w3"},
			"lb":        {"l.example.com"},
		}[g]
	},
}

func TestSelect(t *testing.T) {
	cases := []struct {
		pattern string
		want    string // hosts joined by spaces, or "error: …"
	}{
		{"all", "w1 w2 w3 d1 l.example.com db"},
		{"*", "w1 w2 w3 d1 l.example.com db"},
		{"web", "w1 w2 w3"},
		{"w2", "w2"},
		{"db", "db"},                         // a plain term naming a host is the host
		{"&db", "w3 d1"},                     // … but not with an operator: all ∩ group db
		{"web:lb", "w1 w2 w3 l.example.com"}, // union
		{"lb,web", "w1 w2 w3 l.example.com"}, // union with commas; inventory order kept
		{" web , lb ", "w1 w2 w3 l.example.com"},
		{"web:&db", "w3"},               // intersection
		{"web:!db", "w1 w2"},            // exclusion
		{"!db:web", "w1 w2"},            // exclusions come last whatever their place
		{"web:&db:lb", "w3"},            // unions first, then intersections: (web ∪ lb) ∩ db
		{"!web", "d1 l.example.com db"}, // "all" is the start
		{"w*", "w1 w2 w3"},              // glob on groups and hosts
		{"*.example.com", "l.example.com"},
		{"w[12]", `error: "w[12]" matches no group`}, // [12] is a subscript to Ansible, of "w"
		{"w?", "w1 w2 w3"},
		{"w[!1]", "w2 w3"},
		{"~w[13]", "w1 w3"}, // regex, anchored at the start only
		{"~(d|l)", "w3 d1 l.example.com db"},
		{"web[0]", "w1"}, // subscripts index the group's hosts
		{"web[-1]", "w3"},
		{"web[1:]", "w2 w3"},
		{"web[0:1]", "w1 w2"}, // inclusive end
		{"web[2:0]", "w3"},    // Ansible's quirk: an end of 0 means a single index
		{"web[5:9]", "error: selects no hosts"},
		{"web[3]", "error: index 3 is out of range"},
		{"nosuch", `error: "nosuch" matches no group and no host`},
		{"web:!nosuch", `error: "nosuch" matches no group and no host`},
		{"web:&lb", "error: selects no hosts"},
		{"ungrouped", "db"},
		{"@retry", "error: limit files are not supported"},
		{"", "error: is empty"},
		{",", "error: is empty"},
		{"!", `error: nothing after`},
		{"~(", "error: invalid regular expression"},
	}
	for _, c := range cases {
		got, err := selectString(c.pattern, testUniverse)
		if err != nil {
			got = "error: " + err.Error()
		}
		if strings.HasPrefix(c.want, "error: ") && err != nil {
			if !strings.Contains(got, strings.TrimPrefix(c.want, "error: ")) {
				t.Errorf("%q: %s, want %s", c.pattern, got, c.want)
			}
			continue
		}
		if got != c.want {
			t.Errorf("%q: %s, want %s", c.pattern, got, c.want)
		}
	}
}

func selectString(pattern string, u Universe) (string, error) {
	p, err := ParsePattern(pattern)
	if err != nil {
		return "", err
	}
	hosts, err := p.Select(u)
	return strings.Join(hosts, " "), err
}

// Errors name the whole pattern, so that the user finds the --limit.
func TestSelectErrorNamesPattern(t *testing.T) {
	_, err := selectString("web:!nosuch", testUniverse)
	if err == nil || !strings.Contains(err.Error(), `host pattern "web:!nosuch"`) {
		t.Fatalf("error %v does not name the pattern", err)
	}
}

func TestSplitPattern(t *testing.T) {
	for in, want := range map[string][]string{
		"a:b":             {"a", "b"},
		"a,b:c":           {"a", "b:c"}, // with a comma, colons are not separators
		"web[1:3]:db":     {"web[1:3]", "db"},
		"2001:db8::1":     {"2001:db8::1"},
		"web1:22":         {"web1:22"}, // a host with a port: one term
		" a , , b ":       {"a", "b"},
		"a:!b:&c":         {"a", "!b", "&c"},
		"~web[0-9]+:!db1": {"~web[0-9]+", "!db1"},
	} {
		if got := splitPattern(in); !slices.Equal(got, want) {
			t.Errorf("splitPattern(%q) = %q, want %q", in, got, want)
		}
	}
}

// Python's fnmatch, as Ansible uses it: "*" crosses dots, no escapes.
func TestGlob(t *testing.T) {
	for _, c := range []struct {
		glob, name string
		want       bool
	}{
		{"*", "a.b/c", true},
		{"web?", "web1", true},
		{"web?", "web10", false},
		{"web[0-9]", "web7", true},
		{"web[!0-9]", "web7", false},
		{"web[!0-9]", "webx", true},
		{"web[]]", "web]", true},
		{"web[z-a]", "webz", false},
		{"web[a-]", "web-", true},
		{"web[", "web[", true},
		{`web\1`, `web\1`, true},
		{"WEB", "web", false},
		{"a.b", "axb", false},
	} {
		if got := globRegexp(c.glob).MatchString(c.name); got != c.want {
			t.Errorf("glob %q on %q: %v, want %v", c.glob, c.name, got, c.want)
		}
	}
}

func TestPlaybookUniverse(t *testing.T) {
	hosts := []playbook.Host{
		{Name: "s1", Labels: map[string]string{"role": "web", "zone": "a"}},
		{Name: "s2", Labels: map[string]string{"role": "db", "zone": "a"}},
		{Name: "s3", Labels: map[string]string{"role": "web", "zone": "b"}},
	}
	u := PlaybookUniverse(hosts)
	for pattern, want := range map[string]string{
		"role=web":         "s1 s3",
		"role=web:&zone=a": "s1",
		"zone=a:!s2":       "s1",
		"s3,s2":            "s2 s3",
		"role=*":           "s1 s2 s3",
		"all:!role=web":    "s2",
		"role=web[-1]":     "s3",
		"~s[12]":           "s1 s2",
	} {
		got, err := selectString(pattern, u)
		if err != nil || got != want {
			t.Errorf("%q: %q %v, want %q", pattern, got, err, want)
		}
	}
}

func TestInventoryLimit(t *testing.T) {
	inv := mustParse(t, "inv.ini", "[web]\nw1\nw2\n[db]\nd1\nw2\n")
	hosts, err := inv.Limit("db:!w2")
	if err != nil || len(hosts) != 1 || hosts[0].Name != "d1" {
		t.Fatalf("Limit: %v %v", hosts, err)
	}
	if _, err := inv.Limit("web:&nosuch"); err == nil {
		t.Fatal("no error for a term that matches nothing")
	}
}
