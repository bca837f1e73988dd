package inventory

import (
	"reflect"
	"slices"
	"testing"
)

func mustParse(t *testing.T, name, src string) *Inventory {
	t.Helper()
	inv, err := Parse(name, []byte(src))
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return inv
}

func host(t *testing.T, inv *Inventory, name string) *Host {
	t.Helper()
	h, ok := inv.Host(name)
	if !ok {
		t.Fatalf("no host %q; hosts: %v", name, hostNames(inv.Hosts))
	}
	return h
}

func TestINI(t *testing.T) {
	cases := []struct {
		name, src string
		hosts     []string          // in Ansible's order
		groups    map[string]string // group -> "hosts|children", direct members
		vars      map[string]map[string]any
	}{{
		name:   "ungrouped before any section",
		src:    "a\nb x=1\n[g]\nb\n",
		hosts:  []string{"a", "b"},
		groups: map[string]string{"ungrouped": "a|", "g": "b|"},
		vars:   map[string]map[string]any{"b": {"x": 1}},
	}, {
		name:   "children before their groups, vars before the group",
		src:    "[p:children]\nc\n[c:vars]\nk=v\n[c]\nh\n",
		hosts:  []string{"h"},
		groups: map[string]string{"p": "|c", "c": "h|", "all": "|ungrouped,p"},
		vars:   map[string]map[string]any{"h": {"k": "v"}},
	}, {
		name:   "an empty child section defines the group",
		src:    "[p:children]\nc\n[c:children]\n[p:vars]\nx=1\n",
		groups: map[string]string{"p": "|c", "c": "|"},
	}, {
		name:  "host and :vars values are Python literals",
		src:   "h a=1 b=True c='x' d=\"'2'\" e=[1,2] f=1.5 g=None\n[all:vars]\nn=07\nm = 'a b'  # c\nt=True\n",
		hosts: []string{"h"},
		vars:  map[string]map[string]any{"h": {"a": 1, "b": true, "c": "x", "d": "2", "e": []any{1, 2}, "f": 1.5, "g": nil, "n": "07", "m": "a b", "t": true}},
	}, {
		name:  "inline vars win over group vars; the same host twice merges",
		src:   "[g]\nh x=host\nh y=again\n[g:vars]\nx=group\nz=group\n",
		hosts: []string{"h"},
		vars:  map[string]map[string]any{"h": {"x": "host", "y": "again", "z": "group"}},
	}, {
		name:   "ranges and ports",
		src:    "[w]\nweb[1:3]:2222\ndb-[a:b]\n",
		hosts:  []string{"web1", "web2", "web3", "db-a", "db-b"},
		groups: map[string]string{"w": "web1,web2,web3,db-a,db-b|"},
		vars:   map[string]map[string]any{"web2": {"ansible_port": 2222}, "db-a": {}},
	}, {
		name:   "the first port counts",
		src:    "h:2201\n[g]\nh:2202\n",
		hosts:  []string{"h"},
		groups: map[string]string{"ungrouped": "|", "g": "h|"},
		vars:   map[string]map[string]any{"h": {"ansible_port": 2201}},
	}, {
		name:  "IPv6 with a port in brackets",
		src:   "[2001:db8::1]:2200\n2001:db8::2\n",
		hosts: []string{"2001:db8::1", "2001:db8::2"},
		vars:  map[string]map[string]any{"2001:db8::1": {"ansible_port": 2200}, "2001:db8::2": {}},
	}, {
		name:   "hosts of [all] are also ungrouped",
		src:    "[all]\nh\n[ungrouped]\nu\n[g]\nu\n",
		hosts:  []string{"h", "u"},
		groups: map[string]string{"ungrouped": "h|", "g": "u|"},
	}, {
		name:  "comments, blank lines, CRLF, trailing comments after sections",
		src:   "; first\r\n\r\n# second\r\n[g]   # trailing\r\nh   # host comment\r\n",
		hosts: []string{"h"},
	}, {
		name:  "# in a host line starts a comment even inside a word",
		src:   "h x=a#b y=c\n",
		hosts: []string{"h"},
		vars:  map[string]map[string]any{"h": {"x": "a"}},
	}}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			inv := mustParse(t, "inv.ini", c.src)
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

// checkGroups compares direct members written "h1,h2|c1,c2".
func checkGroups(t *testing.T, inv *Inventory, want map[string]string) {
	t.Helper()
	for name, w := range want {
		g, ok := inv.Group(name)
		if !ok {
			t.Errorf("no group %q", name)
			continue
		}
		if got := join2(g.Hosts) + "|" + join2(g.Children); got != w {
			t.Errorf("group %s: %s, want %s", name, got, w)
		}
	}
}

func join2(l []string) string {
	s := ""
	for i, v := range l {
		if i > 0 {
			s += ","
		}
		s += v
	}
	return s
}

// Precedence: all, then groups by depth, priority, name, then the host.
func TestPrecedence(t *testing.T) {
	inv := mustParse(t, "inv.ini", `
[top:children]
mid
[mid:children]
leaf
[leaf]
h1
h2 v=host
[alpha]
h1
h3
[zeta]
h1
h3
[heavy]
h3
[all:vars]
v=all
w=all
[top:vars]
v=top
[mid:vars]
v=mid
[leaf:vars]
v=leaf
[alpha:vars]
w=alpha
[zeta:vars]
w=zeta
[heavy:vars]
ansible_group_priority=5
w=heavy
`)
	for h, want := range map[string][2]any{"h1": {"leaf", "zeta"}, "h2": {"host", "all"}, "h3": {"all", "heavy"}} {
		got := host(t, inv, h).Vars
		if got["v"] != want[0] || got["w"] != want[1] {
			t.Errorf("%s: v=%v w=%v, want %v %v", h, got["v"], got["w"], want[0], want[1])
		}
	}
	leaf, _ := inv.Group("leaf")
	heavy, _ := inv.Group("heavy")
	if leaf.Depth != 3 || heavy.Priority != 5 || heavy.Vars["ansible_group_priority"] != nil {
		t.Errorf("leaf depth %d, heavy priority %d, vars %v", leaf.Depth, heavy.Priority, heavy.Vars)
	}
	if got := host(t, inv, "h1").Groups; !slices.Equal(got, []string{"alpha", "leaf", "mid", "top", "zeta"}) {
		t.Errorf("h1 groups %v", got)
	}
}

// Ansible's host order is the "all" group's: breadth-first over groups,
// not the order of the file.
func TestHostOrder(t *testing.T) {
	inv := mustParse(t, "inv.ini", "[p:children]\nc\n[c]\nh2\n[x]\nh1\n[y]\nh3\n")
	if got := hostNames(inv.Hosts); !slices.Equal(got, []string{"h1", "h3", "h2"}) {
		t.Fatalf("order %v, want h1 h3 h2 (as ansible all --list-hosts)", got)
	}
}
