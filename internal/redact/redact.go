// Package redact masks secrets at every boundary: agent events before they
// leave the host, rows before they are stored, log records before they are
// written. One redactor for all of them, so a secret cannot reach one sink
// through a path another sink guards.
//
// Secrets are found three ways: by shape (PEM keys, also base64-encoded;
// JWTs; k3s join tokens; URL passwords; well-known token formats), by the
// key that names them (db_password: x, "clientSecret": {...}, an env entry
// named PASSWORD), and by value, for secrets the caller knows (Learn), in
// every encoding they travel in (Encodings).
package redact

import (
	"fmt"
	"regexp"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Mask is what a secret is replaced with.
const Mask = "***"

// Redactor masks secrets in strings, JSON, events and logs. The zero value
// is not usable; build one with New. A Redactor is safe for concurrent use.
type Redactor struct {
	rules []rule
	lits  *literals // shared with copies until one learns something
}

// New returns a Redactor with the built-in patterns plus extra, the
// playbook's own regular expressions (its mask: list). An extra pattern
// masks its whole match, or its groups named v1, v2... when it has them.
func New(extra []string) (*Redactor, error) {
	r := &Redactor{rules: builtin, lits: &literals{}}
	if len(extra) > 0 {
		r.rules = append([]rule{}, builtin...)
	}
	for i, p := range extra {
		re, err := regexp.Compile(p)
		if err != nil {
			return nil, fmt.Errorf("mask[%d]: %q: %w", i, p, err)
		}
		r.rules = append(r.rules, rule{re: compiled(re)})
	}
	return r, nil
}

// Default returns a Redactor with only the built-in patterns.
func Default() *Redactor {
	r, _ := New(nil)
	return r
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	spans := r.lits.find(s, nil)
	lower := lowerASCII(s)
	rules := r.rules
	if !screened(lower) {
		rules = rules[len(builtin):] // the playbook's own patterns still run
	}
	if len(rules) == 0 {
		return apply(s, spans)
	}
	h := hits{lower: lower, ascii: isASCII(s)}
	for i := range rules {
		spans = rules[i].find(s, &h, spans)
	}
	return apply(s, spans)
}

// Event returns e with its message and data masked.
func (r *Redactor) Event(e event.Event) event.Event {
	e.Message = r.String(e.Message)
	e.Data = r.JSON(e.Data)
	return e
}
