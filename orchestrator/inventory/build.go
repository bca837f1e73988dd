package inventory

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// builder collects hosts, groups and variables as a parser meets them,
// with the semantics of Ansible's InventoryData: a host or group is
// created on first mention and merged on later ones, variables set later
// override those set earlier on the same host or group.
type builder struct {
	file       string
	hosts      map[string]*Host
	hostOrder  []*Host
	groups     map[string]*Group
	groupOrder []*Group
}

func newBuilder(file string) *builder {
	b := &builder{file: file, hosts: map[string]*Host{}, groups: map[string]*Group{}}
	all, ungrouped := b.group("all", 0), b.group("ungrouped", 0)
	if err := b.child(all, ungrouped); err != nil {
		panic(err) // two fresh groups cannot form a cycle
	}
	return b
}

// group returns the group called name, creating it (first named at line).
func (b *builder) group(name string, line int) *Group {
	if g, ok := b.groups[name]; ok {
		return g
	}
	g := &Group{Name: name, Vars: map[string]any{}, Priority: 1, Line: line, hostSet: map[string]bool{}}
	b.groups[name] = g
	b.groupOrder = append(b.groupOrder, g)
	return g
}

// host adds the host called name to g (nil: to no group), creating it on
// first sight. port ("" for none) only counts then, as in Ansible.
func (b *builder) host(name string, g *Group, port string, line int) (*Host, error) {
	if name == "" {
		return nil, fmt.Errorf("empty host name")
	}
	h, ok := b.hosts[name]
	if !ok {
		if len(b.hostOrder) >= maxHosts {
			return nil, fmt.Errorf("more than %d hosts", maxHosts)
		}
		h = &Host{Name: name, Line: line, own: map[string]any{}}
		// Port 0 is ignored, as in Ansible's Host().
		if p, err := strconv.Atoi(port); err == nil && p != 0 {
			h.own["ansible_port"] = p
		} else if err != nil && port != "" {
			return nil, fmt.Errorf("host %q: port %s is out of range", name, port)
		}
		b.hosts[name] = h
		b.hostOrder = append(b.hostOrder, h)
	}
	if g != nil && !g.hostSet[name] {
		g.hostSet[name] = true
		g.Hosts = append(g.Hosts, name)
		h.direct = append(h.direct, g.Name)
	}
	return h, nil
}

// groupVar sets a group variable; ansible_group_priority is not a
// variable but the group's weight among its peers.
func (b *builder) groupVar(g *Group, key string, v any) error {
	if key != "ansible_group_priority" {
		g.Vars[key] = v
		return nil
	}
	p, ok := asInt(v)
	if !ok {
		return fmt.Errorf("ansible_group_priority: want an integer, got %s", describe(v))
	}
	g.Priority = p
	return nil
}

// child makes c a child of p, refusing cycles as Ansible does.
func (b *builder) child(p, c *Group) error {
	if p == c {
		return fmt.Errorf("group %q cannot be its own child", p.Name)
	}
	if slices.Contains(p.Children, c.Name) {
		return nil
	}
	if path := b.path(c, p); path != nil {
		return fmt.Errorf("making %q a child of %q creates a cycle: %s > %s", c.Name, p.Name, p.Name, strings.Join(path, " > "))
	}
	p.Children = append(p.Children, c.Name)
	c.Parents = append(c.Parents, p.Name)
	return nil
}

// path returns the group names from "from" down to "to" through children,
// or nil when there is no such path.
func (b *builder) path(from, to *Group) []string {
	return b.walk(from, to, map[*Group]bool{})
}

func (b *builder) walk(from, to *Group, seen map[*Group]bool) []string {
	if from == to {
		return []string{from.Name}
	}
	if seen[from] {
		return nil // explored already: diamonds must not cost exponential time
	}
	seen[from] = true
	for _, n := range from.Children {
		if rest := b.walk(b.groups[n], to, seen); rest != nil {
			return append([]string{from.Name}, rest...)
		}
	}
	return nil
}

// asInt is Python's int() on the values ansible_group_priority takes.
func asInt(v any) (int, bool) {
	switch v := v.(type) {
	case int:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	case float64:
		return int(v), v > -1<<53 && v < 1<<53
	case string:
		n, err := pyInt(v)
		return int(n), err == nil && n == int64(int(n))
	}
	return 0, false
}

// describe names a value's type and value for messages.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("%q", v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v", v)
}
