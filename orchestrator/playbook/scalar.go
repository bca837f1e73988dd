package playbook

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// Scalar readers report a wrong type with the field path and line, and
// return ok=false so the caller keeps its default and moves on. Str, Int and
// Bool are the shared ones of yamlnode.Reader; these are the playbook's own.

// duration reads a Go duration ("60s", "1m30s"); 0 needs no unit.
func (d *decoder) duration(n *yaml.Node, path string) (time.Duration, bool) {
	s, ok := d.Str(n, path)
	if !ok {
		return 0, false
	}
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be a duration such as 60s or 2m, got %q", s)
		return 0, false
	case v < 0:
		d.errorf(yamlnode.Resolve(n).Line, path, "must not be negative, got %s", s)
		return 0, false
	}
	return v, true
}

// list returns the items of a sequence.
func (d *decoder) list(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = yamlnode.Resolve(n)
	if n.Kind != yaml.SequenceNode {
		d.errorf(n.Line, path, "must be a list, got %s", yamlnode.Describe(n))
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
		p := yamlnode.Index(path, i)
		s, ok := d.Str(item, p)
		if !ok {
			continue
		}
		if msg := valid(s); msg != "" {
			d.errorf(yamlnode.Resolve(item).Line, p, "%s", msg)
			continue
		}
		out = append(out, s)
	}
	return out, true
}
