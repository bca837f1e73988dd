package inventory

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// pairs returns the entries of mapping m in order, with merge keys ("<<:
// *base") applied as PyYAML applies them: merged entries come first, so
// that the mapping's own keys win, and of several merged mappings the
// first listed wins.
func (y *yamlParser) pairs(m *yaml.Node, path string, depth int) ([][2]*yaml.Node, error) {
	if depth > maxYAMLDepth {
		return nil, y.fail(m, path, "nested more than %d deep", maxYAMLDepth)
	}
	var merged, own [][2]*yaml.Node
	for i := 0; i+1 < len(m.Content); i += 2 {
		if y.budget--; y.budget < 0 {
			return nil, y.fail(m, path, "too many YAML nodes, aliases expanded")
		}
		k, v := m.Content[i], m.Content[i+1]
		if !isMergeKey(k) {
			own = append(own, [2]*yaml.Node{k, v})
			continue
		}
		var srcs []*yaml.Node
		switch v = deref(v); v.Kind {
		case yaml.MappingNode:
			srcs = []*yaml.Node{v}
		case yaml.SequenceNode:
			for _, s := range v.Content {
				srcs = append(srcs, deref(s))
			}
		}
		var sub [][2]*yaml.Node
		for j := len(srcs) - 1; j >= 0; j-- {
			if srcs[j].Kind != yaml.MappingNode {
				return nil, y.fail(k, path, "a merge key (<<) takes a mapping or a list of mappings")
			}
			more, err := y.pairs(srcs[j], path, depth+1)
			if err != nil {
				return nil, err
			}
			sub = append(sub, more...)
		}
		if len(srcs) == 0 {
			return nil, y.fail(k, path, "a merge key (<<) takes a mapping or a list of mappings")
		}
		merged = append(merged, sub...)
	}
	return y.dedupe(append(merged, own...)), nil
}

// dedupe keeps one entry per key, as a Python dict built from the pairs
// does: at the place of the first, with the value of the last.
func (y *yamlParser) dedupe(pairs [][2]*yaml.Node) [][2]*yaml.Node {
	out := make([][2]*yaml.Node, 0, len(pairs))
	at := map[string]int{}
	for _, kv := range pairs {
		k := deref(kv[0])
		if k.Kind == yaml.ScalarNode {
			if v, err := scalar(k, y.json); err == nil {
				id := fmt.Sprintf("%T %v", v, v)
				if i, dup := at[id]; dup {
					out[i][1] = kv[1]
					continue
				}
				at[id] = len(out)
			}
		}
		out = append(out, kv)
	}
	return out
}

func isMergeKey(k *yaml.Node) bool {
	k = deref(k)
	return k.Kind == yaml.ScalarNode && (k.Tag == "!!merge" || k.Value == "<<" && k.Style == 0)
}

// value converts n to Go values: map[string]any (keys as JSON writes
// them), []any, and the scalars of scalar().
func (y *yamlParser) value(n *yaml.Node, path string, depth int) (any, error) {
	n = deref(n)
	if y.budget--; y.budget < 0 {
		return nil, y.fail(n, path, "too many YAML nodes, aliases expanded")
	}
	if depth > maxYAMLDepth {
		return nil, y.fail(n, path, "nested more than %d deep", maxYAMLDepth)
	}
	switch n.Kind {
	case yaml.MappingNode:
		_, m, err := y.mapping(n, path, depth)
		return m, err
	case yaml.SequenceNode:
		out := []any{}
		for _, item := range n.Content {
			v, err := y.value(item, path, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	v, err := scalar(n, y.json)
	if err != nil {
		return nil, y.fail(n, path, "%v", err)
	}
	return v, nil
}

// mapping converts a mapping, returning its keys in order of first
// appearance too (a later duplicate overrides, as in PyYAML).
func (y *yamlParser) mapping(n *yaml.Node, path string, depth int) ([]string, map[string]any, error) {
	pairs, err := y.pairs(n, path, depth)
	if err != nil {
		return nil, nil, err
	}
	var order []string
	m := map[string]any{}
	for _, kv := range pairs {
		k, v, err := y.entry(kv, path, depth)
		if err != nil {
			return nil, nil, err
		}
		if _, dup := m[k]; !dup {
			order = append(order, k)
		}
		m[k] = v
	}
	return order, m, nil
}
