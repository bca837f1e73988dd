// Package redact masks secrets at every boundary: agent events before they
// leave the host, rows before they are stored, log records before they are
// written. One redactor for all of them, so a secret cannot reach one sink
// through a path another sink guards.
package redact

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Mask is what a secret is replaced with.
const Mask = "***"

// builtin patterns find secrets by their shape. Where a pattern has a
// capture group named "v", only that group is masked, so "token=abc" keeps
// its key and the reader still sees which field was hidden.
var builtin = []string{
	// PEM private keys of any kind (RSA, EC, OPENSSH, ENCRYPTED, PKCS#8),
	// also when cut off before the END line.
	`-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----(?s:.*?)(?:-----END [A-Z0-9 ]*PRIVATE KEY-----|$)`,
	// HTTP bearer / basic credentials.
	`(?i)\b(?:bearer|basic)\s+(?P<v>[A-Za-z0-9\-._~+/]{8,}=*)`,
	// JSON Web Tokens (Kubernetes service-account tokens are JWTs).
	`\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}`,
	// key=value and key: value pairs whose key names a secret, as in URLs,
	// env dumps, YAML (kubeconfig client-key-data, token) and command lines.
	`(?i)(?:password|passwd|passphrase|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client-key-data|client-certificate-data)["']?\s*[:=]\s*["']?(?P<v>[^\s"',;&}]+)`,
	// user:password@ in URLs.
	`(?i)\b[a-z][a-z0-9+.-]*://[^/\s:@]+:(?P<v>[^/\s@]+)@`,
	// Well-known token formats: GitHub, GitLab, Slack, AWS access key ids.
	`\b(?:gh[pousr]_[A-Za-z0-9]{20,}|glpat-[A-Za-z0-9_-]{20,}|xox[abpr]-[A-Za-z0-9-]{10,}|AKIA[0-9A-Z]{16})\b`,
}

// secretKey matches JSON object keys whose values are secrets wholesale,
// whatever they look like.
var secretKey = regexp.MustCompile(`(?i)^(?:password|passwd|passphrase|secret|token|bearertoken|apikey|api_key|private_?key|client-key-data|client_key|clientkey|key_?data|credentials?|auth)$`)

// Redactor masks secrets in strings, JSON, events and logs. The zero value
// is not usable; build one with New. A Redactor is safe for concurrent use.
type Redactor struct {
	patterns []*regexp.Regexp

	mu       sync.RWMutex // guards literals: Learn may add some mid-run
	literals []string
}

// New returns a Redactor with the built-in patterns plus extra, the
// playbook's own regular expressions (its mask: list).
func New(extra []string) (*Redactor, error) {
	r := &Redactor{}
	for i, p := range append(append([]string{}, builtin...), extra...) {
		re, err := regexp.Compile(p)
		if err != nil {
			if i >= len(builtin) {
				return nil, fmt.Errorf("mask[%d]: %q: %w", i-len(builtin), p, err)
			}
			panic(err) // a built-in pattern is a programming error
		}
		r.patterns = append(r.patterns, re)
	}
	return r, nil
}

// Default returns a Redactor with only the built-in patterns.
func Default() *Redactor {
	r, _ := New(nil)
	return r
}

// WithLiterals returns a copy that also masks these exact values wherever
// they appear: secrets the caller knows by value (a passphrase it read).
// Values shorter than four bytes are ignored: masking "a" everywhere would
// destroy the text without protecting anything.
func (r *Redactor) WithLiterals(values ...string) *Redactor {
	r.mu.RLock()
	c := &Redactor{patterns: r.patterns, literals: append([]string{}, r.literals...)}
	r.mu.RUnlock()
	c.Learn(values...)
	return c
}

// Learn adds literal secrets to r itself, for secrets found only mid-run
// (the credentials in a host's kubeconfig): every sink sharing r masks
// them from then on. Values shorter than four bytes are ignored, as in
// WithLiterals.
func (r *Redactor) Learn(values ...string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, v := range values {
		if len(v) >= 4 && !slices.Contains(r.literals, v) {
			r.literals = append(r.literals, v)
		}
	}
}

// String returns s with every secret masked.
func (r *Redactor) String(s string) string {
	r.mu.RLock()
	for _, lit := range r.literals {
		s = strings.ReplaceAll(s, lit, Mask)
	}
	r.mu.RUnlock()
	for _, re := range r.patterns {
		s = maskRE(re, s)
	}
	return s
}

func maskRE(re *regexp.Regexp, s string) string {
	v := re.SubexpIndex("v")
	if v < 0 {
		return re.ReplaceAllLiteralString(s, Mask)
	}
	var b strings.Builder
	last := 0
	for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
		if m[2*v] < 0 {
			continue
		}
		b.WriteString(s[last:m[2*v]])
		b.WriteString(Mask)
		last = m[2*v+1]
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// JSON returns raw with the values of secret-named keys masked and String
// applied to every other string value. Invalid JSON is masked as a string
// and returned as a JSON string, so nothing unmasked slips through.
func (r *Redactor) JSON(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return raw
	}
	// UseNumber keeps byte counters above 2^53 exact.
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		b, _ := json.Marshal(r.String(string(raw)))
		return b
	}
	out, err := json.Marshal(r.value(v))
	if err != nil {
		b, _ := json.Marshal(r.String(string(raw)))
		return b
	}
	return out
}

func (r *Redactor) value(v any) any {
	switch t := v.(type) {
	case string:
		return r.String(t)
	case []any:
		for i := range t {
			t[i] = r.value(t[i])
		}
	case map[string]any:
		for k, x := range t {
			if _, ok := x.(string); ok && secretKey.MatchString(k) {
				t[k] = Mask
				continue
			}
			t[k] = r.value(x)
		}
	}
	return v
}

// Event returns e with its message and data masked.
func (r *Redactor) Event(e event.Event) event.Event {
	e.Message = r.String(e.Message)
	e.Data = r.JSON(e.Data)
	return e
}
