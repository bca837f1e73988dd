package inventory

import (
	"slices"
	"strings"
	"testing"
)

func TestHostPattern(t *testing.T) {
	cases := []struct {
		in    string
		names []string
		port  string
		err   string // part of the error, "" for none
	}{
		{in: "web1", names: []string{"web1"}},
		{in: "web1:2222", names: []string{"web1"}, port: "2222"},
		{in: "web[1:3]", names: []string{"web1", "web2", "web3"}},
		{in: "web[01:03]", names: []string{"web01", "web02", "web03"}},
		{in: "web[:2]", names: []string{"web0", "web1", "web2"}},
		{in: "web[0:10:5]", names: []string{"web0", "web5", "web10"}},
		{in: "db-[a:c]", names: []string{"db-a", "db-b", "db-c"}},
		{in: "db-[y:B]", names: []string{"db-y", "db-z", "db-A", "db-B"}},
		{in: "db-[a:e:2]", names: []string{"db-a", "db-c", "db-e"}},
		{in: "n[1:2]-[a:b].lab", names: []string{"n1-a.lab", "n1-b.lab", "n2-a.lab", "n2-b.lab"}},
		{in: "web[1:2]:2200", names: []string{"web1", "web2"}, port: "2200"},
		{in: "198.18.0.[1:2]", names: []string{"198.18.0.1", "198.18.0.2"}},
		{in: "[2001:db8::1]:22", names: []string{"2001:db8::1"}, port: "22"},
		{in: "2001:db8::1", names: []string{"2001:db8::1"}},
		{in: "2001:db8::[a:c]", names: []string{"2001:db8::a", "2001:db8::b", "2001:db8::c"}},
		{in: "weird_name-", names: []string{"weird_name-"}}, // not a valid hostname: kept whole
		{in: "web[3:1]", err: "empty range"},
		{in: "web[01:3]", err: "same width"},
		{in: "web[1:3:0]", err: "non-zero"},
		{in: "web[a:3]", err: "numbers or both letters"},
		{in: "web[1:]", err: "no end"},
		{in: "web[1]", err: "begin:end"},
		{in: "web[1:2", err: "one [begin:end]"},
		{in: "web[0:999999999]", err: "more than"},
	}
	for _, c := range cases {
		names, port, err := hostPattern(c.in, maxHosts)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want one containing %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil || !slices.Equal(names, c.names) || port != c.port {
			t.Errorf("%s: %v port %q err %v, want %v port %q", c.in, names, port, err, c.names, c.port)
		}
	}
}

// parseAddress decides whether "a:b" is one name with a port or two
// pattern terms; these follow ansible/parsing/utils/addresses.py.
func TestParseAddress(t *testing.T) {
	for in, want := range map[string]string{
		"web1":              "web1 ",
		"web1:22":           "web1 22",
		"web-1.example.com": "web-1.example.com ",
		"198.18.0.1:2222":   "198.18.0.1 2222",
		"[2001:db8::1]:22":  "2001:db8::1 22",
		"::1":               "::1 ",
		"web_":              "error",
		"-web":              "error",
		"web:db":            "error",
		"a b":               "error",
	} {
		h, p, err := parseAddress(in)
		got := h + " " + p
		if err != nil {
			got = "error"
		}
		if got != want {
			t.Errorf("parseAddress(%q) = %q, want %q", in, got, want)
		}
	}
}
