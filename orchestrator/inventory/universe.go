package inventory

import (
	"maps"
	"slices"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// Universe returns the inventory's hosts and groups for Pattern.Select:
// hosts in Ansible's order, groups in order of definition.
func (inv *Inventory) Universe() Universe {
	b := &builder{groups: inv.groups}
	u := Universe{}
	for _, h := range inv.Hosts {
		u.Hosts = append(u.Hosts, h.Name)
	}
	for _, g := range inv.Groups {
		u.Groups = append(u.Groups, g.Name)
	}
	memo := map[string][]string{}
	u.Members = func(name string) []string {
		g, ok := inv.groups[name]
		if !ok {
			return nil
		}
		if _, done := memo[name]; !done {
			memo[name] = b.members(g)
		}
		return memo[name]
	}
	return u
}

// Limit returns the hosts that pattern selects, in inventory order, as
// ansible-playbook --limit pattern does for a play on all hosts.
func (inv *Inventory) Limit(pattern string) ([]*Host, error) {
	p, err := ParsePattern(pattern)
	if err != nil {
		return nil, err
	}
	names, err := p.Select(inv.Universe())
	if err != nil {
		return nil, err
	}
	hosts := make([]*Host, len(names))
	for i, n := range names {
		hosts[i] = inv.hosts[n]
	}
	return hosts, nil
}

// PlaybookUniverse lets patterns select among a playbook's hosts, which
// have labels instead of groups: each label key=value is a group of that
// name, holding the hosts so labelled in playbook order. So
// "role=web:!web-3" works as it would on an inventory with a group
// "role=web".
func PlaybookUniverse(hosts []playbook.Host) Universe {
	u := Universe{}
	members := map[string][]string{}
	for _, h := range hosts {
		u.Hosts = append(u.Hosts, h.Name)
		for _, k := range slices.Sorted(maps.Keys(h.Labels)) {
			g := k + "=" + h.Labels[k]
			if _, ok := members[g]; !ok {
				u.Groups = append(u.Groups, g)
			}
			members[g] = append(members[g], h.Name)
		}
	}
	u.Members = func(g string) []string { return members[g] }
	return u
}

// Limit narrows hosts to those a --limit pattern selects over universe
// (the playbook's, or an inventory's), in the hosts' order. The CLI's
// --limit and serve's limit: both go through here.
func Limit(hosts []playbook.Host, universe Universe, pattern string) ([]playbook.Host, error) {
	p, err := ParsePattern(pattern)
	if err != nil {
		return nil, err
	}
	names, err := p.Select(universe)
	if err != nil {
		return nil, err
	}
	var out []playbook.Host
	for _, h := range hosts {
		if slices.Contains(names, h.Name) {
			out = append(out, h)
		}
	}
	return out, nil
}
