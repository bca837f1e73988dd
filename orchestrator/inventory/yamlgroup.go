package inventory

import (
	"go.yaml.in/yaml/v3"
)

func (y *yamlParser) fail(n *yaml.Node, where, format string, args ...any) *Error {
	return errorf(y.file, n.Line, where, format, args...)
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parseGroup reads group name (named at line) from n, which must be a
// mapping or empty, and returns the group.
func (y *yamlParser) parseGroup(name string, n *yaml.Node, line int, path string, depth int) (*Group, error) {
	n = deref(n)
	if depth > maxYAMLDepth {
		return nil, y.fail(n, path, "groups nested more than %d deep", maxYAMLDepth)
	}
	if n.Kind != yaml.MappingNode && !isNullNode(n) {
		return nil, y.fail(n, path, "a group must be a mapping (hosts, children, vars) or empty, got a %s", kindName(n))
	}
	g := y.group(name, line)
	if n.Kind != yaml.MappingNode {
		return g, nil
	}
	pairs, err := y.pairs(n, path, depth)
	if err != nil {
		return nil, err
	}
	for _, kv := range pairs {
		key, at := kv[0].Value, join(path, kv[0].Value)
		v := deref(kv[1])
		if v.Kind == yaml.ScalarNode && !isNullNode(v) && (key == "hosts" || key == "children" || key == "vars") {
			// Ansible accepts "hosts: web1" for "hosts: {web1: }".
			v = &yaml.Node{Kind: yaml.MappingNode, Line: v.Line, Content: []*yaml.Node{v, {Kind: yaml.ScalarNode, Tag: "!!null", Line: v.Line}}}
		}
		if isNullNode(v) {
			continue
		}
		if v.Kind != yaml.MappingNode {
			return nil, y.fail(v, at, "want a mapping, got a %s", kindName(v))
		}
		switch key {
		case "vars":
			err = y.groupVars(g, v, at, depth)
		case "children":
			err = y.children(g, v, at, depth)
		case "hosts":
			err = y.hosts(g, v, at, depth)
		default:
			// Ansible warns and skips; a misspelt "hosts" would then
			// leave the group silently empty.
			err = y.fail(kv[0], at, "unknown key: a group has hosts, children and vars")
		}
		if err != nil {
			return nil, err
		}
	}
	return g, nil
}

func (y *yamlParser) groupVars(g *Group, n *yaml.Node, path string, depth int) error {
	pairs, err := y.pairs(n, path, depth)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		k, v, err := y.entry(kv, path, depth)
		if err != nil {
			return err
		}
		if err := y.groupVar(g, k, v); err != nil {
			return y.fail(kv[0], join(path, k), "%v", err)
		}
	}
	return nil
}

func (y *yamlParser) children(g *Group, n *yaml.Node, path string, depth int) error {
	pairs, err := y.pairs(n, path, depth)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		name, err := y.groupName(kv[0], path)
		if err != nil {
			return err
		}
		at := join(path, name)
		c, err := y.parseGroup(name, kv[1], kv[0].Line, at, depth+1)
		if err != nil {
			return err
		}
		if err := y.child(g, c, kv[0].Line, at); err != nil {
			return y.fail(kv[0], at, "%v", err)
		}
	}
	return nil
}

func (y *yamlParser) hosts(g *Group, n *yaml.Node, path string, depth int) error {
	pairs, err := y.pairs(n, path, depth)
	if err != nil {
		return err
	}
	for _, kv := range pairs {
		k, err := y.keyString(kv[0], path, "host pattern")
		if err != nil {
			return err
		}
		at := join(path, k)
		names, port, err := hostPattern(k, maxHosts)
		if err != nil {
			return y.fail(kv[0], at, "%v", err)
		}
		vars := map[string]any{}
		var order []string
		if v := deref(kv[1]); !isNullNode(v) {
			if v.Kind != yaml.MappingNode {
				return y.fail(v, at, "host variables must be a mapping, got a %s", kindName(v))
			}
			if order, vars, err = y.mapping(v, at, depth); err != nil {
				return err
			}
		}
		for _, name := range names {
			h, err := y.host(name, g, port, kv[0].Line)
			if err != nil {
				return y.fail(kv[0], at, "%v", err)
			}
			for _, k := range order {
				h.own[k] = vars[k]
			}
		}
	}
	return nil
}

// groupName reads a group key, which Ansible requires to be a non-empty
// string (yes: is a boolean, 2024: a number).
func (y *yamlParser) groupName(k *yaml.Node, path string) (string, error) {
	return y.keyString(k, path, "group name")
}

func (y *yamlParser) keyString(k *yaml.Node, path, what string) (string, error) {
	k = deref(k)
	v, err := y.value(k, path, 0)
	if err != nil {
		return "", err
	}
	s, ok := v.(string)
	if !ok || s == "" {
		return "", y.fail(k, join(path, k.Value), "%s must be a non-empty string, got %s; quote it", what, describe(v))
	}
	return s, nil
}

// entry reads one key and value of a variables mapping.
func (y *yamlParser) entry(kv [2]*yaml.Node, path string, depth int) (string, any, error) {
	kval, err := y.value(kv[0], path, depth)
	if err != nil {
		return "", nil, err
	}
	k, err := jsonKey(kval)
	if err != nil {
		return "", nil, y.fail(kv[0], path, "%v", err)
	}
	v, err := y.value(kv[1], join(path, k), depth+1)
	return k, v, err
}
