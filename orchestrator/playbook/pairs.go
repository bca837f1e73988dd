package playbook

import (
	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// pairs returns the entries of mapping n with "<<" merge keys expanded: an
// explicit key wins over a merged one, and an earlier merge source over a
// later one, as YAML specifies. A key written twice is an error, since
// yaml.v3 keeps both and one would be silently ignored.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var out, merges []pair
	seen := map[string]int{} // key → line of first occurrence
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := yamlnode.Resolve(n.Content[i]), n.Content[i+1]
		switch {
		case k == nil || k.Kind != yaml.ScalarNode:
			d.errorf(n.Content[i].Line, path, "keys must be strings")
		case k.ShortTag() == "!!merge":
			merges = append(merges, pair{k, v})
		case seen[k.Value] > 0:
			d.errorf(k.Line, yamlnode.At(path, k.Value), "duplicate key (first at line %d)", seen[k.Value])
		default:
			seen[k.Value] = k.Line
			out = append(out, pair{k, v})
		}
	}
	// Each source is expanded once per mapping: that ends alias loops and
	// keeps a document of many merges of merges linear, not exponential.
	visited := map[*yaml.Node]bool{n: true}
	for _, m := range merges {
		out = d.merge(out, seen, visited, m.val, yamlnode.At(path, "<<"), 0)
	}
	return out
}

// merge adds the entries of the merge source m (a mapping or a list of
// mappings) whose keys are not yet seen. Problems inside a source are
// reported where the source itself is written, not at every use.
func (d *decoder) merge(out []pair, seen map[string]int, visited map[*yaml.Node]bool, m *yaml.Node, path string, depth int) []pair {
	m = yamlnode.Resolve(m)
	if m == nil || visited[m] || depth > maxMergeDepth {
		return out
	}
	visited[m] = true
	switch m.Kind {
	case yaml.SequenceNode:
		for _, src := range m.Content {
			out = d.merge(out, seen, visited, src, path, depth+1)
		}
	case yaml.MappingNode:
		var nested []*yaml.Node
		for i := 0; i+1 < len(m.Content); i += 2 {
			k := yamlnode.Resolve(m.Content[i])
			switch {
			case k == nil || k.Kind != yaml.ScalarNode:
			case k.ShortTag() == "!!merge":
				nested = append(nested, m.Content[i+1])
			case seen[k.Value] == 0:
				seen[k.Value] = k.Line
				out = append(out, pair{k, m.Content[i+1]})
			}
		}
		for _, src := range nested {
			out = d.merge(out, seen, visited, src, path, depth+1)
		}
	default:
		d.errorf(m.Line, path, "must be a mapping or a list of mappings, got %s", yamlnode.Describe(m))
	}
	return out
}
