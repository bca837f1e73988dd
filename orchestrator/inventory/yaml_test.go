package inventory

import (
	"math"
	"reflect"
	"slices"
	"testing"
)

func TestYAML(t *testing.T) {
	cases := []struct {
		name, src string
		hosts     []string
		groups    map[string]string
		vars      map[string]map[string]any
	}{{
		name:   "all with hosts, vars and children",
		src:    "all:\n  hosts:\n    a:\n  vars: {x: 1}\n  children:\n    g:\n      hosts: {b: {x: 2}}\n",
		hosts:  []string{"a", "b"},
		groups: map[string]string{"all": "a|ungrouped,g", "ungrouped": "a|", "g": "b|"},
		vars:   map[string]map[string]any{"a": {"x": 1}, "b": {"x": 2}},
	}, {
		name:   "top-level groups, a string for hosts, a group in two places",
		src:    "g:\n  hosts: a\nh:\n  children:\n    g:\n      hosts:\n        b:\n",
		hosts:  []string{"a", "b"},
		groups: map[string]string{"g": "a,b|", "h": "|g", "all": "|ungrouped,h"},
	}, {
		name:   "an empty child is an empty group",
		src:    "all:\n  children:\n    p:\n      children:\n        ghost:\n        web: {hosts: {h: }}\n",
		groups: map[string]string{"p": "|ghost,web", "ghost": "|"},
	}, {
		name:  "YAML 1.1 scalars, as PyYAML reads them",
		src:   "h:\n  hosts:\n    x:\n      a: yes\n      b: Off\n      c: 0755\n      d: 1:30\n      e: 1e3\n      f: 1.0e+3\n      g: ~\n      i: '0755'\n      j: !!str 12\n      k: 0x_1f\n      l: -.inf\n      m: 2024-01-02\n      n: !!float 1\n",
		hosts: []string{"x"},
		vars: map[string]map[string]any{"x": {"a": true, "b": false, "c": 493, "d": 90, "e": "1e3", "f": 1000.0,
			"g": nil, "i": "0755", "j": "12", "k": 31, "l": math.Inf(-1), "m": "2024-01-02", "n": 1.0}},
	}, {
		name:  "anchors, merge keys, duplicate keys",
		src:   "g:\n  vars:\n    base: &b {p: 1, q: 1}\n    m:\n      <<: [*b, {q: 2, r: 2}]\n      p: 3\n    d: 1\n    d: 2\n  hosts: {h: }\n",
		hosts: []string{"h"},
		vars:  map[string]map[string]any{"h": {"base": map[string]any{"p": 1, "q": 1}, "m": map[string]any{"p": 3, "q": 1, "r": 2}, "d": 2}},
	}, {
		name:  "a merged vars key loses to an explicit one",
		src:   "d: &d\n  vars: {a: 1}\ng:\n  <<: *d\n  vars: {b: 2}\n  hosts: {h: }\n",
		hosts: []string{"h"},
		vars:  map[string]map[string]any{"h": {"b": 2}},
	}, {
		name:  "JSON is read as JSON",
		src:   `{"all": {"hosts": {"h": {"e": 1e3, "y": "yes", "n": 10}}}}`,
		hosts: []string{"h"},
		vars:  map[string]map[string]any{"h": {"e": 1000.0, "y": "yes", "n": 10}},
	}, {
		name:   "ranges and ports in host keys",
		src:    "g:\n  hosts:\n    n[1:2].lab:2200:\n      k: v\n",
		hosts:  []string{"n1.lab", "n2.lab"},
		groups: map[string]string{"g": "n1.lab,n2.lab|"},
		vars:   map[string]map[string]any{"n2.lab": {"ansible_port": 2200, "k": "v"}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := mustParse(t, "inv.yml", c.src)
			if got := hostNames(inv.Hosts); c.hosts != nil && !slices.Equal(got, c.hosts) {
				t.Errorf("hosts %v, want %v", got, c.hosts)
			}
			checkGroups(t, inv, c.groups)
			for h, want := range c.vars {
				if got := host(t, inv, h).Vars; !reflect.DeepEqual(got, want) {
					t.Errorf("%s: vars %#v, want %#v", h, got, want)
				}
			}
		})
	}
}

// Without a telling extension, a mapping of groups is YAML and anything
// else INI: Ansible tries YAML first. ".ini" is INI whatever it holds.
func TestFormatDetection(t *testing.T) {
	for _, c := range []struct{ name, src, host string }{
		{"hosts", "web:\n  hosts:\n    y1:\n", "y1"},
		{"hosts", "i1\ni2 x=1\n", "i1"},
		{"hosts", "[web]\ni1\n", "i1"},
		{"inv.json", `{"g": {"hosts": {"j1": null}}}`, "j1"},
		{"hosts", "web: 1\n", ""},                    // YAML to Ansible, which skips it; INI here, where "web:" is no host
		{"inv.ini", "all:\n  hosts:\n    y1:\n", ""}, // read as INI, as Ansible does
	} {
		inv, err := Parse(c.name, []byte(c.src))
		switch {
		case c.host == "":
			if err == nil {
				t.Errorf("%s %q: parsed, want an error", c.name, c.src)
			}
		case err != nil:
			t.Errorf("%s %q: %v", c.name, c.src, err)
		default:
			if _, ok := inv.Host(c.host); !ok {
				t.Errorf("%s %q: no host %s in %v", c.name, c.src, c.host, hostNames(inv.Hosts))
			}
		}
	}
}
