package config

import (
	"errors"
	"net/url"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Scalar readers report a wrong type with the field path and line, and
// return ok=false so the caller keeps its default and moves on. Str, Int and
// Bool are the shared ones of yamlnode.Reader; these are the service's own.

// atLeast reads an integer of at least lo, keeping def when it is not.
func (d *decoder) atLeast(n *yaml.Node, path string, lo, def int) int {
	v, ok := d.Int(n, path)
	if !ok {
		return def
	}
	if v < lo {
		d.errorf(yamlnode.Resolve(n).Line, path, "must be at least %d, got %d", lo, v)
		return def
	}
	return v
}

// duration reads a Go duration ("90s", "2m", "720h"), not negative; 0
// needs no unit. A missing n keeps def, and so does a bad one.
func (d *decoder) duration(n *yaml.Node, path string, def time.Duration) time.Duration {
	if n == nil {
		return def
	}
	if r := yamlnode.Resolve(n); r.Kind != yaml.ScalarNode {
		d.errorf(r.Line, path, "must be a duration such as 90s, 2m or 720h, got %s", describe(r))
		return def
	}
	s := yamlnode.Resolve(n).Value
	v, err := time.ParseDuration(s)
	switch {
	case err != nil:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be a duration such as 90s, 2m or 720h, got %q", s)
		return def
	case v < 0:
		d.errorf(yamlnode.Resolve(n).Line, path, "must not be negative, got %s", s)
		return def
	}
	return v
}

// positive is duration for a value where 0 makes no sense (a timeout).
func (d *decoder) positive(n *yaml.Node, path string, def time.Duration) time.Duration {
	v := d.duration(n, path, -1)
	switch {
	case v < 0:
		return def
	case v == 0:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be longer than 0s")
		return def
	}
	return v
}

// list returns the items of a sequence; null is an empty one.
func (d *decoder) list(n *yaml.Node, path string) []*yaml.Node {
	n = yamlnode.Resolve(n)
	if yamlnode.IsNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n.Line, path, "must be a list, got %s", describe(n))
		return nil
	}
	return n.Content
}

// filePath reads a path, "~/" and relative ones made absolute (relative to
// the configuration file's directory).
func (d *decoder) filePath(n *yaml.Node, path string) (string, bool) {
	s, ok := d.Str(n, path)
	if !ok {
		return "", false
	}
	if s == "" {
		d.errorf(yamlnode.Resolve(n).Line, path, "must not be empty")
		return "", false
	}
	p, err := playbook.ExpandPath(s, d.dir)
	if err != nil {
		d.errorf(yamlnode.Resolve(n).Line, path, "%v", err)
		return "", false
	}
	return p, true
}

// db is the store: a SQLite file (relative to the configuration) or a
// PostgreSQL URL, which must not carry its password: serve.yaml is
// configuration, and secrets come from files or the environment
// (PGPASSWORD, or a passfile).
func (d *decoder) db(n *yaml.Node) string {
	s, ok := d.Str(n, "db")
	if !ok || !store.IsPostgres(s) {
		p, _ := d.filePath(n, "db")
		return p
	}
	u, err := url.Parse(s)
	if err != nil {
		d.errorf(yamlnode.Resolve(n).Line, "db", "not a PostgreSQL URL: %v", errors.Unwrap(err))
		return ""
	}
	if _, has := u.User.Password(); has {
		d.errorf(yamlnode.Resolve(n).Line, "db", "the URL carries a password: give it in PGPASSWORD or a passfile instead")
		return ""
	}
	return s
}
