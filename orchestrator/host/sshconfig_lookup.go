package host

import (
	"fmt"
	"strings"

	"github.com/kevinburke/ssh_config"
)

// sshHost is one alias looked up in one ssh_config file. Unlike
// ssh_config.Config.Get it says where a value comes from, so an error can
// name file:line, and it lists the keywords set for the alias, so the ones
// ck8sctl ignores can be named.
type sshHost struct {
	file  string
	sc    *ssh_config.Config
	alias string
}

// setting is one keyword's first value for the alias, as ssh takes it.
type setting struct {
	key, value string
	where      string // "file:line"; for an Include, the Include's line
}

// first returns the first of keys set for the alias, in file order: ssh
// takes the first value obtained, and some keywords compete (ProxyJump and
// ProxyCommand). ok is false when none is set.
func (h sshHost) first(keys ...string) (s setting, ok bool) {
	for _, host := range h.sc.Hosts {
		if !host.Matches(h.alias) {
			continue
		}
		for _, node := range host.Nodes {
			switch n := node.(type) {
			case *ssh_config.KV:
				for _, k := range keys {
					if strings.EqualFold(n.Key, k) {
						return setting{k, n.Value, h.at(n.Pos())}, true
					}
				}
			case *ssh_config.Include:
				for _, k := range keys {
					if v := n.Get(h.alias, k); v != "" {
						return setting{k, v, h.at(n.Pos()) + " (Include)"}, true
					}
				}
			}
		}
	}
	return setting{}, false
}

// get is the value of key, "" when unset.
func (h sshHost) get(key string) string {
	s, _ := h.first(key)
	return s.value
}

// all is every value of a keyword that may repeat (IdentityFile).
func (h sshHost) all(key string) []string {
	v, _ := h.sc.GetAll(h.alias, key)
	return v
}

// keys lists the keywords set for the alias, each once, in file order.
// Keywords inside an Include are not listed: the library keeps included
// files to itself.
func (h sshHost) keys() []string {
	var out []string
	seen := map[string]bool{}
	for _, host := range h.sc.Hosts {
		if !host.Matches(h.alias) {
			continue
		}
		for _, node := range host.Nodes {
			if kv, ok := node.(*ssh_config.KV); ok && !seen[strings.ToLower(kv.Key)] {
				seen[strings.ToLower(kv.Key)] = true
				out = append(out, kv.Key)
			}
		}
	}
	return out
}

func (h sshHost) at(p ssh_config.Position) string {
	return fmt.Sprintf("%s:%d", h.file, p.Line)
}
