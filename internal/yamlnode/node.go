package yamlnode

import (
	"fmt"

	"go.yaml.in/yaml/v3"
)

// MaxAlias bounds a chain of aliases that Resolve follows; a longer one is
// abuse, and Resolve stops on the alias node itself.
const MaxAlias = 8

// Resolve follows aliases to the node they name.
func Resolve(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode && i < MaxAlias; i++ {
		n = n.Alias
	}
	return n
}

// IsNull reports whether n is absent: no node, an empty one, or a null
// scalar ("~", "null", or nothing after the colon).
func IsNull(n *yaml.Node) bool {
	return n == nil || n.Kind == 0 || (n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null")
}

// At appends a key to a field path.
func At(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// Index appends a list position to a field path.
func Index(path string, i int) string { return fmt.Sprintf("%s[%d]", path, i) }

// scalarNames are the words for the YAML core tags in messages.
var scalarNames = map[string]string{"!!str": "string", "!!int": "integer", "!!float": "number",
	"!!bool": "boolean", "!!timestamp": "timestamp", "!!binary": "binary"}

// Describe names what a node is, with a scalar's value, for "must be X,
// got Y" messages. It shows the value: a field that may hold a secret
// needs a description of its own.
func Describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		tag := n.ShortTag()
		if tag == "!!null" {
			return "null"
		}
		if name, ok := scalarNames[tag]; ok {
			return fmt.Sprintf("%s %q", name, n.Value)
		}
		return fmt.Sprintf("%s %q", tag, n.Value)
	}
	return "an unsupported node"
}
