package playbook

import (
	"time"

	"go.yaml.in/yaml/v3"
)

// Scalar readers report a wrong type with the field path and line, and
// return ok=false so the caller keeps its default and moves on.

// str reads any scalar as text: YAML types `user: 1000` as an integer, but
// a user named 1000 is what was meant.
func (d *decoder) str(n *yaml.Node, path string) (string, bool) {
	n = resolve(n)
	if n.Kind != yaml.ScalarNode || isNull(n) {
		d.errorf(n.Line, path, "must be a string, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// integer accepts YAML integers only: "22" in quotes is a string, and 22.5
// is not a port.
func (d *decoder) integer(n *yaml.Node, path string) (int, bool) {
	n = resolve(n)
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		d.errorf(n.Line, path, "must be an integer, got %s", describe(n))
		return 0, false
	}
	return v, true
}

func (d *decoder) boolean(n *yaml.Node, path string) (bool, bool) {
	n = resolve(n)
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		d.errorf(n.Line, path, "must be true or false, got %s", describe(n))
		return false, false
	}
	return v, true
}

// duration reads a Go duration ("60s", "1m30s"); 0 needs no unit.
func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := d.str(n, path)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.errorf(resolve(n).Line, path, "must be a duration such as 60s or 2m, got %q", s)
		return 0, false
	case v < 0:
		d.errorf(resolve(n).Line, path, "must not be negative, got %s", s)
		return 0, false
	}
	return v, true
}

// list returns the items of a sequence.
func (d *decoder) list(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n.Line, path, "must be a list, got %s", describe(n))
		return nil, false
	}
	return n.Content, true
}

// strings reads a list of strings, checking each with valid (which returns
// a problem description, or "" if the item is fine).
func (d *decoder) strings(n *yaml.Node, path string, valid func(string) string) ([]string, bool) {
	items, ok := d.list(n, path)
	if !ok {
		return nil, false
	}
	out := []string{}
	for i, item := range items {
		p := index(path, i)
		s, ok := d.str(item, p)
		if !ok {
			continue
		}
		if msg := valid(s); msg != "" {
			d.errorf(resolve(item).Line, p, "%s", msg)
			continue
		}
		out = append(out, s)
	}
	return out, true
}
