package playbook

import (
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// decoder walks the YAML node tree, so that every problem can name its line
// and field path, and collects problems instead of stopping at the first.
type decoder struct {
	yamlnode.Reader // Str, Int, Bool, reporting through errorf

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
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return map[string]*yaml.Node{}, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping, got %s", yamlnode.Describe(n))
		return nil, false
	}
	vals := map[string]*yaml.Node{}
	for _, p := range d.pairs(n, path) {
		k := p.key.Value
		if !slices.Contains(known, k) {
			d.errorf(p.key.Line, yamlnode.At(path, k), "%s", unknown(k))
			continue
		}
		vals[k] = p.val
	}
	return vals, true
}

func dropNulls(m map[string]*yaml.Node) {
	for k, v := range m {
		if yamlnode.IsNull(yamlnode.Resolve(v)) {
			delete(m, k)
		}
	}
}
