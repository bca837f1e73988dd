package playbook

import (
	"fmt"
	"strings"
)

// HostByName returns the host called name.
func (p *Playbook) HostByName(name string) (Host, bool) {
	for _, h := range p.Hosts {
		if h.Name == name {
			return h, true
		}
	}
	return Host{}, false
}

// Select returns the hosts named in limit (from --limit h1,h2), in playbook
// order and each once; all hosts when limit is empty. Every unknown name is
// reported, not just the first.
func (p *Playbook) Select(limit []string) ([]Host, error) {
	want := map[string]bool{}
	var names []string
	for _, h := range p.Hosts {
		names = append(names, h.Name)
	}
	var unknown []string
	for _, l := range limit {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if _, ok := p.HostByName(l); !ok {
			unknown = append(unknown, fmt.Sprintf("%q%s", l, suggest(l, names)))
		}
		want[l] = true
	}
	if len(unknown) > 0 {
		return nil, &Error{File: p.Path, Msg: fmt.Sprintf("--limit names hosts not in the playbook: %s (hosts: %s)",
			strings.Join(unknown, ", "), strings.Join(names, ", "))}
	}
	if len(want) == 0 {
		return append([]Host(nil), p.Hosts...), nil
	}
	var out []Host
	for _, h := range p.Hosts {
		if want[h.Name] {
			out = append(out, h)
		}
	}
	return out, nil
}
