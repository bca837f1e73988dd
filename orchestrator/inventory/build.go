package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// builder collects hosts, groups and variables as a parser meets them,
// with the semantics of Ansible's InventoryData: a host or group is
// created on first mention and merged on later ones, variables set later
// override those set earlier on the same host or group.
type builder struct {
	file       string
	edges      map[[2]string]edgeAt
	hosts      map[string]*Host
	hostOrder  []*Host
	groups     map[string]*Group
	groupOrder []*Group
}

func newBuilder(file string) *builder {
	b := &builder{file: file, hosts: map[string]*Host{}, groups: map[string]*Group{}, edges: map[[2]string]edgeAt{}}
	all, ungrouped := b.group("all", 0), b.group("ungrouped", 0)
	if err := b.child(all, ungrouped, 0, ""); err != nil {
		panic(err) // two fresh groups cannot form a cycle
	}
	return b
}

// group returns the group called name, creating it (first named at line).
func (b *builder) group(name string, line int) *Group {
	if g, ok := b.groups[name]; ok {
		return g
	}
	g := &Group{Name: name, Vars: map[string]any{}, Priority: 1, Line: line, hostSet: map[string]bool{}, childSet: map[string]bool{}}
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

// child makes c a child of p, as written at line in where. Cycles are
// looked for once everything is parsed (findCycle): one walk of the graph
// instead of one per edge.
func (b *builder) child(p, c *Group, line int, where string) error {
	if p == c {
		return fmt.Errorf("group %q cannot be its own child", p.Name)
	}
	if p.childSet[c.Name] {
		return nil
	}
	p.childSet[c.Name] = true
	p.Children = append(p.Children, c.Name)
	c.Parents = append(c.Parents, p.Name)
	b.edges[[2]string{p.Name, c.Name}] = edgeAt{line, where}
	return nil
}

// frame is a group on findCycle's stack and its next child to visit.
type frame struct {
	g    *Group
	next int
}

// edgeAt is where a parent-child edge is written, for the cycle error.
type edgeAt struct {
	line  int
	where string
}

// findCycle refuses a cycle of children, as Ansible does, naming the edge
// that closes it: a depth-first walk from every group in order.
func (b *builder) findCycle() error {
	const onStack, done = 1, 2
	state := map[*Group]int{}
	for _, root := range b.groupOrder {
		if state[root] != 0 {
			continue
		}
		state[root] = onStack
		stack := []frame{{g: root}}
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			if top.next == len(top.g.Children) {
				state[top.g] = done
				stack = stack[:len(stack)-1]
				continue
			}
			c := b.groups[top.g.Children[top.next]]
			top.next++
			switch state[c] {
			case onStack:
				return b.cycleError(stack, top.g, c)
			case 0:
				state[c] = onStack
				stack = append(stack, frame{g: c})
			}
		}
	}
	return nil
}

func (b *builder) cycleError(stack []frame, p, c *Group) error {
	var path []string
	for i := len(stack) - 1; i >= 0; i-- {
		path = append([]string{stack[i].g.Name}, path...)
		if stack[i].g == c {
			break
		}
	}
	at := b.edges[[2]string{p.Name, c.Name}]
	return errorf(b.file, at.line, at.where, "making %q a child of %q creates a cycle: %s > %s",
		c.Name, p.Name, strings.Join(path, " > "), c.Name)
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
