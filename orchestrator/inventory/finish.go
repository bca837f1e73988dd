package inventory

import (
	"cmp"
	"maps"
	"slices"
)

// finish applies what Ansible's reconcile_inventory does once a source is
// parsed (every group without a parent becomes a child of "all"; a host in
// no group is "ungrouped", one in a group is not), then computes each
// host's variables and connection fields. dir anchors relative key files.
func (b *builder) finish(dir string) (*Inventory, error) {
	all, ungrouped := b.groups["all"], b.groups["ungrouped"]
	if len(b.groupOrder) > maxGroups {
		return nil, errorf(b.file, 0, "", "more than %d groups", maxGroups)
	}
	for _, g := range b.groupOrder {
		if g != all && len(g.Parents) == 0 {
			if err := b.child(all, g, g.Line, ""); err != nil {
				return nil, errorf(b.file, g.Line, "", "%v", err)
			}
		}
	}
	if err := b.findCycle(); err != nil {
		return nil, err
	}
	memberships := 0
	for _, h := range b.hostOrder {
		in := b.ancestors(h)
		if memberships += len(in); memberships > maxMemberships {
			return nil, errorf(b.file, 0, "", "more than %d host-in-group memberships, parents counted", maxMemberships)
		}
		switch {
		case in["ungrouped"] && len(in) > 2 && ungrouped.hostSet[h.Name]:
			delete(ungrouped.hostSet, h.Name) // taken out of Hosts below, in one pass
			h.direct = slices.DeleteFunc(h.direct, func(n string) bool { return n == "ungrouped" })
		case len(in) == 0 || (len(in) == 1 && in["all"]):
			if _, err := b.host(h.Name, ungrouped, "", h.Line); err != nil {
				return nil, errorf(b.file, h.Line, "", "%v", err)
			}
		}
	}
	ungrouped.Hosts = slices.DeleteFunc(ungrouped.Hosts, func(n string) bool { return !ungrouped.hostSet[n] })
	depth := map[*Group]int{}
	for _, g := range b.groupOrder {
		g.Depth = b.depth(g, depth)
	}
	inv := &Inventory{Path: b.file, Groups: b.groupOrder, hosts: b.hosts, groups: b.groups}
	for _, name := range b.members(all) {
		h := b.hosts[name]
		b.vars(h)
		if err := h.connection(b.file, dir); err != nil {
			return nil, err
		}
		inv.Hosts = append(inv.Hosts, h)
	}
	return inv, nil
}

// ancestors returns the names of the groups h is in, directly or through
// child groups, "all" included once the graph is complete.
func (b *builder) ancestors(h *Host) stringSet {
	in := stringSet{}
	var up func(name string)
	up = func(name string) {
		if in[name] {
			return
		}
		in[name] = true
		for _, p := range b.groups[name].Parents {
			up(p)
		}
	}
	for _, g := range h.direct {
		up(g)
	}
	return in
}

// depth is the longest path from "all" down to g, which is what Ansible's
// incremental Group.depth amounts to once every edge is in.
func (b *builder) depth(g *Group, memo map[*Group]int) int {
	if d, ok := memo[g]; ok {
		return d
	}
	d := 0
	for _, p := range g.Parents {
		d = max(d, b.depth(b.groups[p], memo)+1)
	}
	memo[g] = d
	return d
}

// members returns the hosts of g and of its descendants in Ansible's
// order (Group.get_hosts): g's own hosts, then those of its children,
// then of its grandchildren, and so on, each host once. Ansible walks the
// levels below the children through a set, whose order is not defined;
// here each level follows the order of the one above.
func (b *builder) members(g *Group) []string {
	order := []*Group{g}
	seen := map[*Group]bool{g: true}
	for level := []*Group{g}; len(level) > 0; {
		var next []*Group
		for _, p := range level {
			for _, n := range p.Children {
				if c := b.groups[n]; !seen[c] {
					seen[c] = true
					next = append(next, c)
				}
			}
		}
		order = append(order, next...)
		level = next
	}
	var out []string
	got := stringSet{}
	for _, grp := range order {
		for _, h := range grp.Hosts {
			if !got[h] {
				got[h] = true
				out = append(out, h)
			}
		}
	}
	return out
}

// vars computes h's group_names and variables with Ansible's precedence:
// "all", then the other groups by depth, priority and name, then the host.
func (b *builder) vars(h *Host) {
	var groups []*Group
	for name := range b.ancestors(h) {
		if name != "all" {
			groups = append(groups, b.groups[name])
			h.Groups = append(h.Groups, name)
		}
	}
	slices.Sort(h.Groups)
	slices.SortFunc(groups, func(x, y *Group) int {
		return cmp.Or(cmp.Compare(x.Depth, y.Depth), cmp.Compare(x.Priority, y.Priority), cmp.Compare(x.Name, y.Name))
	})
	h.Vars = maps.Clone(b.groups["all"].Vars)
	for _, g := range groups {
		maps.Copy(h.Vars, g.Vars)
	}
	maps.Copy(h.Vars, h.own)
}
