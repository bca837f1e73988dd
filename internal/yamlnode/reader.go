package yamlnode

import "go.yaml.in/yaml/v3"

// Reader reads typed scalars. A wrong type is reported through Errorf with
// the field path and line, and the reader returns ok=false so the caller
// keeps its default and moves on.
type Reader struct {
	// Errorf records a problem; the decoder adds its file.
	Errorf func(line int, path, format string, args ...any)
	// Describe names the wrong node in messages; nil means Describe.
	Describe func(n *yaml.Node) string
}

func (r Reader) describe(n *yaml.Node) string {
	if r.Describe != nil {
		return r.Describe(n)
	}
	return Describe(n)
}

// Str reads any scalar as text: YAML types `user: 1000` as an integer, but
// a user named 1000 is what was meant.
func (r Reader) Str(n *yaml.Node, path string) (string, bool) {
	n = Resolve(n)
	if n.Kind != yaml.ScalarNode || IsNull(n) {
		r.Errorf(n.Line, path, "must be a string, got %s", r.describe(n))
		return "", false
	}
	return n.Value, true
}

// Int accepts YAML integers only: "22" in quotes is a string, and 22.5 is
// not a count.
func (r Reader) Int(n *yaml.Node, path string) (int, bool) {
	n = Resolve(n)
	var v int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&v) != nil {
		r.Errorf(n.Line, path, "must be an integer, got %s", r.describe(n))
		return 0, false
	}
	return v, true
}

// Bool accepts YAML booleans only: "true" in quotes is a string.
func (r Reader) Bool(n *yaml.Node, path string) (bool, bool) {
	n = Resolve(n)
	var v bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!bool" || n.Decode(&v) != nil {
		r.Errorf(n.Line, path, "must be true or false, got %s", r.describe(n))
		return false, false
	}
	return v, true
}
