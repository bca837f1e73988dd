package inventory

import (
	"fmt"
	"slices"
)

// Universe is what a pattern selects from. It is plain data so that the
// same patterns work on an Ansible inventory (Inventory.Universe) and on a
// ck8sctl playbook, whose hosts have labels instead of groups
// (PlaybookUniverse).
type Universe struct {
	Hosts []string // every host, in the order a selection keeps
	// Groups names the groups in the order patterns try them. "all" is
	// implied (with every host) when absent.
	Groups []string
	// Members returns a group's hosts, its child groups' included, in the
	// group's order, which is what subscripts such as "web[0]" index. It
	// is only called for groups a pattern names, as it may be costly.
	Members func(group string) []string
}

// Select returns the hosts of u that p selects, in u's order, as
// ansible-playbook --limit does. A term that matches no group and no host
// is an error naming it (Ansible only warns: an exclusion with a typo
// would otherwise act on the very hosts it was meant to spare), and so is
// a pattern that selects nothing.
func (p Pattern) Select(u Universe) ([]string, error) {
	isHost := make(map[string]bool, len(u.Hosts))
	for _, h := range u.Hosts {
		isHost[h] = true
	}
	var acc []string
	for _, t := range p.ordered() {
		// Ansible's shortcut: a plain term naming a host is that host,
		// even when a group has the same name.
		if t.op == 0 && isHost[t.raw] {
			acc = append(acc, t.raw)
			continue
		}
		that, err := t.match(u)
		if err != nil {
			return nil, fmt.Errorf("host pattern %q: %w", p.text, err)
		}
		switch t.op {
		case '!':
			acc = slices.DeleteFunc(acc, set(that).has)
		case '&':
			keep := set(that)
			acc = slices.DeleteFunc(acc, func(h string) bool { return !keep[h] })
		default:
			acc = append(acc, that...)
		}
	}
	chosen := set(acc)
	var out []string
	for _, h := range u.Hosts {
		if chosen[h] {
			out = append(out, h)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("host pattern %q selects no hosts", p.text)
	}
	return out, nil
}

// ordered returns the terms as Ansible applies them: unions, then
// intersections, then exclusions, each group in written order.
func (p Pattern) ordered() []term {
	var plain, and, not []term
	for _, t := range p.terms {
		switch t.op {
		case '&':
			and = append(and, t)
		case '!':
			not = append(not, t)
		default:
			plain = append(plain, t)
		}
	}
	if len(plain) == 0 {
		all, _ := parseTerm("all")
		plain = []term{all}
	}
	return slices.Concat(plain, and, not)
}

// match is Ansible's _enumerate_matches followed by the subscript: the
// members of every matching group, then, if no group matched or the term
// is a glob or regex, the matching hosts.
func (t term) match(u Universe) ([]string, error) {
	var out []string
	groups := u.Groups
	if !slices.Contains(groups, "all") {
		groups = append([]string{"all"}, groups...)
	}
	matched := false
	for _, g := range groups {
		if t.re.MatchString(g) {
			matched = true
			out = append(out, u.members(g)...)
		}
	}
	if !matched || t.special {
		for _, h := range u.Hosts {
			if t.re.MatchString(h) {
				out = append(out, h)
			}
		}
	}
	if !matched && len(out) == 0 {
		return nil, fmt.Errorf("%q matches no group and no host", t.raw)
	}
	return t.sub.apply(out, t.raw)
}

func (u Universe) members(g string) []string {
	if u.Members != nil {
		if m := u.Members(g); m != nil || g != "all" {
			return m
		}
	}
	if g == "all" {
		return u.Hosts
	}
	return nil
}

// apply selects by subscript with Python's indexing: [-1] is the last,
// an index past the end is an error, a slice past the end is short.
func (s *subscript) apply(hosts []string, raw string) ([]string, error) {
	if s == nil || len(hosts) == 0 {
		return hosts, nil
	}
	n := len(hosts)
	if s.single {
		i := s.start
		if i < 0 {
			i += n
		}
		if i < 0 || i >= n {
			return nil, fmt.Errorf("%q: index %d is out of range (%d hosts)", raw, s.start, n)
		}
		return hosts[i : i+1], nil
	}
	end := s.end
	if end == -1 {
		end = n - 1
	}
	start, stop := min(s.start, n), min(end+1, n)
	if start >= stop {
		return nil, nil
	}
	return hosts[start:stop], nil
}

type stringSet map[string]bool

func set(list []string) stringSet {
	s := make(stringSet, len(list))
	for _, v := range list {
		s[v] = true
	}
	return s
}

func (s stringSet) has(v string) bool { return s[v] }
