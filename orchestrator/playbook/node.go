package playbook

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"
)

// decoder walks the YAML node tree, so that every problem can name its line
// and field path, and collects problems instead of stopping at the first.
type decoder struct {
	file  string // as given, for messages
	dir   string // base of relative paths in the playbook
	errs  []*Error
	jumps []jumpRef // checked once every host name is known
	// hostsOptional accepts a playbook without hosts: the hosts come
	// from an inventory (LoadProfile).
	hostsOptional bool
}

// pair is one key and its value in a mapping.
type pair struct{ key, val *yaml.Node }

// maxMergeDepth bounds nested "<<" merges; a deeper chain is a loop or abuse.
const maxMergeDepth = 8

// resolve follows aliases to the node they name.
func resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < maxMergeDepth; i++ {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// at appends a key to a field path.
func at(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// describe names what a node is, for "must be X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		names := map[string]string{"!!str": "string", "!!int": "integer", "!!float": "number",
			"!!bool": "boolean", "!!timestamp": "timestamp", "!!binary": "binary"}
		tag := n.ShortTag()
		if tag == "!!null" {
			return "null"
		}
		if name, ok := names[tag]; ok {
			return fmt.Sprintf("%s %q", name, n.Value)
		}
		return fmt.Sprintf("%s %q", tag, n.Value)
	}
	return "an unsupported node"
}

// mapping checks that n is a mapping with only the known keys and returns
// their values by key. A null value counts as absent, so "user:" with
// nothing after it means the default. A null n is an empty mapping.
func (d *decoder) mapping(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, bool) {
	m, ok := d.entries(n, path, known, func(k string) string { return "unknown field" + suggest(k, known) })
	dropNulls(m)
	return m, ok
}

// entries is mapping with null values kept, for a section whose key alone
// means something (`checks: ports:` turns the scan on); unknown words the
// complaint about a key that is not in known.
func (d *decoder) entries(n *yaml.Node, path string, known []string, unknown func(key string) string) (map[string]*yaml.Node, bool) {
	n = resolve(n)
	if isNull(n) {
		return map[string]*yaml.Node{}, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping, got %s", describe(n))
		return nil, false
	}
	vals := map[string]*yaml.Node{}
	for _, p := range d.pairs(n, path) {
		k := p.key.Value
		if !slices.Contains(known, k) {
			d.errorf(p.key.Line, at(path, k), "%s", unknown(k))
			continue
		}
		vals[k] = p.val
	}
	return vals, true
}

func dropNulls(m map[string]*yaml.Node) {
	for k, v := range m {
		if isNull(resolve(v)) {
			delete(m, k)
		}
	}
}
