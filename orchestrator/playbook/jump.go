package playbook

import (
	"fmt"
	"slices"
	"strings"
)

// jumpRef is a host's jump value, kept with its position until every host
// name is known.
type jumpRef struct {
	host  int // index in hosts
	value string
	line  int
	path  string
}

// checkJumps resolves each jump to a host of the playbook or an outside
// [user@]host[:port], and refuses loops, which would never connect.
func (d *decoder) checkJumps(hosts []Host) {
	byName := map[string]int{}
	var names []string
	for i, h := range hosts {
		if _, dup := byName[h.Name]; !dup {
			byName[h.Name] = i
			names = append(names, h.Name)
		}
	}
	next := map[int]int{} // host → the host it jumps through
	refs := map[int]jumpRef{}
	for _, j := range d.jumps {
		t, ok := byName[j.value]
		switch {
		case ok && t == j.host:
			d.errorf(j.line, j.path, "a host cannot jump through itself")
		case ok:
			next[j.host], refs[j.host] = t, j
		default:
			if _, _, _, err := parseJump(j.value, names); err != nil {
				d.errorf(j.line, j.path, "%v", err)
			}
		}
	}
	d.cycles(hosts, next, refs)
}

// cycles reports each jump loop once, at its first host in the file. Every
// host has at most one jump, so following them from each host in turn finds
// every loop.
func (d *decoder) cycles(hosts []Host, next map[int]int, refs map[int]jumpRef) {
	const (
		unseen = iota
		onPath
		done
	)
	state := make([]int, len(hosts))
	for start := range hosts {
		var path []int
		i, ok := start, true
		for ok && state[i] == unseen {
			state[i] = onPath
			path = append(path, i)
			i, ok = next[i]
		}
		if ok && state[i] == onPath {
			loop := path[slices.Index(path, i):]
			first := slices.Min(loop)
			k := slices.Index(loop, first)
			loop = append(loop[k:], loop[:k]...)
			var names []string
			for _, h := range append(loop, first) {
				names = append(names, hosts[h].Name)
			}
			r := refs[first]
			d.errorf(r.line, r.path, "jump loop: %s", strings.Join(names, " -> "))
		}
		for _, h := range path {
			state[h] = done
		}
	}
}

// parseJump splits an outside jump host, [user@]host[:port]. A bare word
// (no dot, user or port) must name a host of the playbook: otherwise a typo
// in a host name would silently become an address to dial.
func parseJump(s string, names []string) (user, host string, port int, err error) {
	rest := s
	if u, h, ok := strings.Cut(s, "@"); ok {
		if p := userProblem(u); p != "" {
			return "", "", 0, fmt.Errorf("user in %q %s", s, p)
		}
		user, rest = u, h
	}
	host, port, err = parseHostPort(rest)
	if err != nil {
		return "", "", 0, fmt.Errorf("must name a host of this playbook or be [user@]host[:port]: %v", err)
	}
	if user == "" && port == 0 && !strings.ContainsAny(host, ".:") {
		return "", "", 0, fmt.Errorf("%q is not a host of this playbook%s; write user@host or host:port for a jump host outside it",
			s, suggest(s, names))
	}
	return user, host, port, nil
}

// Jumps returns the hosts to tunnel through to reach h, in dialling order:
// the first is dialled directly, each next one through the previous. It is
// empty when h is dialled directly. An outside jump host takes its unset
// fields from the playbook's defaults.
func (p *Playbook) Jumps(h Host) []Host {
	var chain []Host
	// Bounded, in case a Playbook was built by hand with a loop in it.
	for cur := h; cur.Jump != "" && len(chain) <= len(p.Hosts); {
		next, ok := p.HostByName(cur.Jump)
		if !ok {
			next = p.outsideJump(cur.Jump)
		}
		chain = append(chain, next)
		cur = next
	}
	slices.Reverse(chain)
	return chain
}

func (p *Playbook) outsideJump(s string) Host {
	user, host, port, _ := parseJump(s, nil) // validated at load
	def := p.defaults
	if user == "" {
		user = def.User
	}
	if port == 0 {
		port = def.Port
	}
	return Host{Name: s, Address: host, Port: port, User: user,
		IdentityFile: def.IdentityFile, KnownHostsFile: def.KnownHostsFile}
}
