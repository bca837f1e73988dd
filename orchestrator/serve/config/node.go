package config

import (
	"fmt"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// decoder walks the YAML node tree, so that every problem names its line
// and field path, and collects problems instead of stopping at the first.
type decoder struct {
	yamlnode.Reader // Str, Int, Bool, reporting through errorf

	file string // the configuration file as given, for messages
	dir  string // absolute; base of relative paths
	errs []*playbook.Error
	// pbErrs are the problems inside playbook files: they name their own
	// file and line, and keep the order the playbook package gave them.
	pbErrs []error
}

// pair is one key and its value in a mapping.
type pair struct{ key, val *yaml.Node }

func (d *decoder) errorf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &playbook.Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// kind names what a node is without its value: what a secret's field may
// say about the node in its place.
func kind(n *yaml.Node) string {
	switch {
	case n.Kind == yaml.MappingNode:
		return "a mapping"
	case n.Kind == yaml.SequenceNode:
		return "a list"
	case yamlnode.IsNull(n):
		return "null"
	case n.Kind == yaml.ScalarNode:
		return "a scalar"
	}
	return "an unsupported node"
}

// describe is kind with the value, for "must be X, got Y" messages. An
// empty node is "null" here, as kind says.
func describe(n *yaml.Node) string {
	if n.Kind == 0 {
		return kind(n)
	}
	return yamlnode.Describe(n)
}

// unknownKey words the complaint about a key not in known, as the
// playbook's sections do: `unknown key (cert, key); did you mean "key"?`.
func unknownKey(known []string) func(string) string {
	return func(k string) string {
		msg := fmt.Sprintf("unknown key (%s)", strings.Join(known, ", "))
		if s := playbook.Nearest(k, known); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		return msg
	}
}

// section checks that n is a mapping of known keys and returns their
// values; a null value counts as absent and a null n is an empty mapping.
func (d *decoder) section(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, bool) {
	return d.sectionWith(n, path, known, unknownKey(known))
}

// sectionWith is section with its own wording for an unknown key.
func (d *decoder) sectionWith(n *yaml.Node, path string, known []string, unknown func(string) string) (map[string]*yaml.Node, bool) {
	ps, ok := d.pairs(n, path)
	vals := map[string]*yaml.Node{}
	for _, p := range ps {
		k := p.key.Value
		switch {
		case !slices.Contains(known, k):
			d.errorf(p.key.Line, yamlnode.At(path, k), "%s", unknown(k))
		case !yamlnode.IsNull(yamlnode.Resolve(p.val)):
			vals[k] = p.val
		}
	}
	return vals, ok
}

// pairs returns a mapping's entries in file order. A key written twice is
// an error (yaml.v3 keeps both and one would silently win); merge keys are
// refused rather than half supported.
func (d *decoder) pairs(n *yaml.Node, path string) ([]pair, bool) {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return nil, true
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n.Line, path, "must be a mapping, got %s", describe(n))
		return nil, false
	}
	var out []pair
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := yamlnode.Resolve(n.Content[i])
		switch {
		case k == nil || k.Kind != yaml.ScalarNode:
			d.errorf(n.Content[i].Line, path, "keys must be strings")
		case k.ShortTag() == "!!merge":
			d.errorf(k.Line, yamlnode.At(path, "<<"), "merge keys are not supported here")
		case seen[k.Value] > 0:
			d.errorf(k.Line, yamlnode.At(path, k.Value), "duplicate key (first at line %d)", seen[k.Value])
		default:
			seen[k.Value] = k.Line
			out = append(out, pair{k, n.Content[i+1]})
		}
	}
	return out, true
}
