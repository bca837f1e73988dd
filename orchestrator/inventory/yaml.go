package inventory

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML dialect is Ansible's plugins/inventory/yaml.py: top-level keys
// are groups; a group has hosts, children (groups, recursively) and vars;
// a host maps to its variables or to nothing.
type yamlParser struct {
	*builder
	json   bool // the file is JSON, whose scalars json.loads types
	budget int  // nodes left to visit; aliases must not multiply work
}

// yamlBudget bounds the nodes visited, aliases expanded, so that a
// "billion laughs" document fails fast instead of exhausting memory: a
// node takes two bytes of YAML at least, so without aliases a document
// stays well within, and with them it may expand a little.
func yamlBudget(data []byte) int { return 10_000 + 2*len(data) }

// maxYAMLDepth bounds nesting, children in children included.
const maxYAMLDepth = 100

func parseYAML(file string, data []byte) (*builder, error) {
	root, err := yamlRoot(data)
	if err != nil {
		line, msg := yamlErr(err)
		return nil, errorf(file, line, "", "YAML: %s", msg)
	}
	if root == nil {
		return nil, errorf(file, 0, "", "empty YAML inventory")
	}
	y := &yamlParser{builder: newBuilder(file), json: isJSON(data), budget: yamlBudget(data)}
	top := deref(root)
	if top.Kind != yaml.MappingNode {
		return nil, errorf(file, top.Line, "", "want a mapping of groups (such as all:), got a YAML %s", kindName(top))
	}
	pairs, err := y.pairs(top, "", 0)
	if err != nil {
		return nil, err
	}
	for _, kv := range pairs {
		if kv[0].Value == "plugin" && truthy(deref(kv[1])) {
			return nil, errorf(file, kv[0].Line, "plugin", "inventory plugins are not supported; export the inventory with ansible-inventory --list -y")
		}
	}
	for _, kv := range pairs {
		name, err := y.groupName(kv[0], "")
		if err != nil {
			return nil, err
		}
		if _, err := y.parseGroup(name, kv[1], kv[0].Line, name, 0); err != nil {
			return nil, err
		}
	}
	return y.builder, nil
}

// yamlRoot returns the content of the only document in data, nil if none.
func yamlRoot(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var more yaml.Node
	switch err := dec.Decode(&more); {
	case err == nil:
		return nil, fmt.Errorf("yaml: line %d: more than one document", more.Line)
	case !errors.Is(err, io.EOF):
		return nil, err
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// looksYAML reports whether data is a YAML mapping whose values are all
// mappings or empty: the shape of a YAML inventory, which no INI
// inventory has (INI lines are not YAML, or are plain text to it).
func looksYAML(data []byte) bool {
	root, err := yamlRoot(data)
	if err != nil || root == nil {
		return false
	}
	root = deref(root)
	if root.Kind != yaml.MappingNode || len(root.Content) == 0 {
		return false
	}
	for i := 1; i < len(root.Content); i += 2 {
		if v := deref(root.Content[i]); v.Kind != yaml.MappingNode && !isNullNode(v) {
			return false
		}
	}
	return true
}

var yamlLineRe = regexp.MustCompile(`^yaml: line (\d+): `)

// yamlErr splits a yaml.v3 error ("yaml: line 3: did not find expected
// key") into its line and message.
func yamlErr(err error) (int, string) {
	msg := err.Error()
	if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n, msg[len(m[0]):]
	}
	return 0, strings.TrimPrefix(msg, "yaml: ")
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

func isNullNode(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return false
	}
	v, err := scalar(n, false)
	return err == nil && v == nil
}

// truthy is Python's truth value of a YAML node, for "plugin:".
func truthy(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode {
		return len(n.Content) > 0
	}
	v, err := scalar(n, false)
	switch v := v.(type) {
	case nil:
		return err != nil
	case bool:
		return v
	case string:
		return v != ""
	case int:
		return v != 0
	case float64:
		return v != 0
	}
	return true
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	v := n.Value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return fmt.Sprintf("scalar %q", v)
}
