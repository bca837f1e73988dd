package config

import (
	"bytes"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

var tokenKeys = []string{"name", "file", "env"}

// tokens reads the API bearer tokens. Two tokens with one value would make
// the caller's name ambiguous in the audit trail, so that is an error too
// (worded without the value).
func (d *decoder) tokens(n *yaml.Node) []Token {
	if n == nil {
		return nil
	}
	if r := yamlnode.Resolve(n); r.Kind != yaml.SequenceNode {
		d.errorf(r.Line, "tokens", "must be a list of {name, file or env}, got %s", kind(r))
		return nil
	}
	var out []Token
	seen := names{}
	for i, item := range yamlnode.Resolve(n).Content {
		path := yamlnode.Index("tokens", i)
		if !d.mappingOnly(item, path, "a mapping {name, file or env}") {
			continue
		}
		m, _ := d.sectionWith(item, path, tokenKeys, secretUnknown(tokenKeys))
		name := d.name(m, item, path, "token", seen)
		s, ok := d.secret(m, yamlnode.Resolve(item).Line, path)
		if !ok || name == "" {
			continue
		}
		if j := slices.IndexFunc(out, func(t Token) bool { return bytes.Equal(t.Secret.b, s.b) }); j >= 0 {
			d.errorf(yamlnode.Resolve(item).Line, path, "same secret as token %q: each token must be its own", out[j].Name)
			continue
		}
		out = append(out, Token{Name: name, Secret: s})
	}
	return out
}
