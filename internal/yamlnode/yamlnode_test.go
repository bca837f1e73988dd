package yamlnode_test

import (
	"fmt"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// field parses a one-key document and returns the value node of key.
func field(t *testing.T, doc, key string) *yaml.Node {
	t.Helper()
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(doc), &root); err != nil {
		t.Fatalf("parse %q: %v", doc, err)
	}
	m := root.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	t.Fatalf("no key %q in %q", key, doc)
	return nil
}

// aliasChain returns an alias of an alias ... (n deep) of target. YAML text
// cannot write one, but a hostile node tree can hold one.
func aliasChain(target *yaml.Node, n int) *yaml.Node {
	for range n {
		target = &yaml.Node{Kind: yaml.AliasNode, Alias: target}
	}
	return target
}

func TestResolveFollowsAliasesUpToTheBound(t *testing.T) {
	n := field(t, "base: &b 22\nport: *b\n", "port")
	if r := yamlnode.Resolve(n); r.Kind != yaml.ScalarNode || r.Value != "22" {
		t.Fatalf("Resolve(*b) = %v %q, want the scalar 22", r.Kind, r.Value)
	}
	target := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: "end"}
	if r := yamlnode.Resolve(aliasChain(target, yamlnode.MaxAlias)); r != target {
		t.Errorf("a chain of %d aliases did not resolve to its target", yamlnode.MaxAlias)
	}
	if r := yamlnode.Resolve(aliasChain(target, yamlnode.MaxAlias+1)); r.Kind != yaml.AliasNode {
		t.Errorf("a chain of %d aliases resolved past the bound to %v", yamlnode.MaxAlias+1, r.Kind)
	}
}

func TestIsNull(t *testing.T) {
	doc := "empty:\ntilde: ~\nword: null\nquoted: 'null'\nblank: ''\nzero: 0\nlist: []\n"
	for key, want := range map[string]bool{"empty": true, "tilde": true, "word": true,
		"quoted": false, "blank": false, "zero": false, "list": false} {
		if got := yamlnode.IsNull(field(t, doc, key)); got != want {
			t.Errorf("IsNull(%s) = %v, want %v", key, got, want)
		}
	}
	if !yamlnode.IsNull(nil) || !yamlnode.IsNull(&yaml.Node{}) {
		t.Error("a missing or empty node is not null")
	}
}

func TestPaths(t *testing.T) {
	if got := yamlnode.At("", "hosts"); got != "hosts" {
		t.Errorf(`At("", "hosts") = %q`, got)
	}
	if got := yamlnode.Index(yamlnode.At("checks", "ports"), 2); got != "checks.ports[2]" {
		t.Errorf("At then Index = %q", got)
	}
}

// recorder collects what a Reader reports, as the decoders do.
type recorder []string

func (r *recorder) errorf(line int, path, format string, args ...any) {
	*r = append(*r, fmt.Sprintf("line %d: %s: %s", line, path, fmt.Sprintf(format, args...)))
}

func TestReaderMessages(t *testing.T) {
	doc := "name: web\nport: \"22\"\nsize: 2.5\non: yes\noff: false\nlist: [a]\nnone:\ncount: 3\ntag: !x v\n"
	var got recorder
	r := yamlnode.Reader{Errorf: got.errorf}
	if s, ok := r.Str(field(t, doc, "name"), "name"); !ok || s != "web" {
		t.Errorf("Str(name) = %q, %v", s, ok)
	}
	if v, ok := r.Int(field(t, doc, "count"), "count"); !ok || v != 3 {
		t.Errorf("Int(count) = %d, %v", v, ok)
	}
	if v, ok := r.Bool(field(t, doc, "off"), "off"); !ok || v {
		t.Errorf("Bool(off) = %v, %v", v, ok)
	}
	r.Str(field(t, doc, "list"), "list")
	r.Str(field(t, doc, "none"), "none")
	r.Int(field(t, doc, "port"), "port")
	r.Int(field(t, doc, "size"), "size")
	r.Bool(field(t, doc, "on"), "on")
	r.Bool(field(t, doc, "tag"), "tag")
	want := recorder{
		`line 6: list: must be a string, got a list`,
		`line 7: none: must be a string, got null`,
		`line 2: port: must be an integer, got string "22"`,
		`line 3: size: must be an integer, got number "2.5"`,
		`line 4: on: must be true or false, got string "yes"`,
		`line 9: tag: must be true or false, got !x "v"`,
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("messages:\n got %q\nwant %q", got, want)
	}
}

func TestReaderUsesItsOwnDescribe(t *testing.T) {
	var got recorder
	r := yamlnode.Reader{Errorf: got.errorf, Describe: func(*yaml.Node) string { return "a secret" }}
	r.Int(field(t, "token: hunter2\n", "token"), "token")
	if want := `line 1: token: must be an integer, got a secret`; len(got) != 1 || got[0] != want {
		t.Errorf("messages = %q, want [%q]", got, want)
	}
}
