package redact

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// MinLiteral is the shortest secret masked by value, after trimming. A
// shorter one would be masked inside ordinary words and numbers, ruining
// the text while protecting little: such a secret is too weak to guard.
const MinLiteral = 6

// literals are secrets known by value, each in every encoding it may
// travel in.
type literals struct {
	mu    sync.RWMutex
	known []string // as learned, trimmed
	forms []string // every encoding of every known secret, longest first
}

// WithLiterals returns a copy that also masks these exact values wherever
// they appear: secrets the caller knows by value (a passphrase it read).
// See Learn for how values are taken.
func (r *Redactor) WithLiterals(values ...string) *Redactor {
	r.lits.mu.RLock()
	c := &Redactor{rules: r.rules, lits: &literals{known: slices.Clone(r.lits.known), forms: slices.Clone(r.lits.forms)}}
	r.lits.mu.RUnlock()
	c.Learn(values...)
	return c
}

// Learn adds literal secrets to r itself, for secrets found only mid-run
// (the credentials in a host's kubeconfig): every sink sharing r masks
// them from then on. Values are trimmed of surrounding white space (a
// token file ends in a newline) and ignored when shorter than MinLiteral.
// Each is masked raw and in every form of Encodings, and inside longer
// base64 text whatever its alignment.
func (r *Redactor) Learn(values ...string) {
	l := r.lits
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, v := range values {
		v = strings.TrimSpace(v)
		if len(v) < MinLiteral || slices.Contains(l.known, v) {
			continue
		}
		l.known = append(l.known, v)
		for _, f := range append(Encodings(v), base64Inner(v)...) {
			if !slices.Contains(l.forms, f) {
				l.forms = append(l.forms, f)
			}
		}
	}
	// Longest first: where one form holds another, the whole is masked.
	slices.SortStableFunc(l.forms, func(a, b string) int { return len(b) - len(a) })
}

// find appends the spans of every known form in s.
func (l *literals) find(s string, out []span) []span {
	l.mu.RLock()
	defer l.mu.RUnlock()
	for _, f := range l.forms {
		for from := 0; ; {
			i := strings.Index(s[from:], f)
			if i < 0 {
				break
			}
			out = append(out, span{from + i, from + i + len(f)})
			from += i + len(f)
		}
	}
	return out
}

// Encodings are the forms a secret travels in: raw, JSON-escaped (with
// and without HTML escaping), Go %q-escaped (both without their quotes),
// and base64 in the standard and URL alphabets, padded and not. A test
// that a secret leaked nowhere looks for all of them (Leaks).
func Encodings(secret string) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	add(secret)
	j, _ := json.Marshal(secret)
	add(unquote(string(j)))
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(secret)
	add(unquote(strings.TrimSuffix(b.String(), "\n")))
	add(unquote(strconv.Quote(secret)))
	add(unquote(strconv.QuoteToASCII(secret)))
	for _, e := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		add(e.EncodeToString([]byte(secret)))
	}
	return out
}

func unquote(q string) string { return q[1 : len(q)-1] }

// base64Inner are the parts of the secret's base64 that do not depend on
// its neighbours, for each of the three offsets it may have inside a
// longer encoded text (a token in a base64 kubeconfig).
func base64Inner(secret string) []string {
	var out []string
	for k := 1; k <= 2; k++ {
		b := append(make([]byte, k), secret...)
		n := len(b) / 3 * 3
		for _, e := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
			if s := e.EncodeToString(b[:n])[4:]; len(s) >= MinLiteral {
				out = append(out, s)
			}
		}
	}
	// Offset 0 without the tail that depends on what follows.
	if n := len(secret) / 3 * 3; n >= MinLiteral {
		out = append(out, base64.StdEncoding.EncodeToString([]byte(secret[:n])), base64.URLEncoding.EncodeToString([]byte(secret[:n])))
	}
	return out
}

// Leaks returns, for each secret found in text in any of its Encodings, a
// description naming the secret by position and the first form found,
// never quoting it (the description may end up in a CI log).
func Leaks(text string, secrets ...string) []string {
	var out []string
	for i, s := range secrets {
		for j, f := range Encodings(s) {
			if strings.Contains(text, f) {
				out = append(out, "secret #"+strconv.Itoa(i)+" in encoding #"+strconv.Itoa(j)+" ("+encodingName(s, f)+")")
				break
			}
		}
	}
	return out
}

// encodingName says which form f of s is, for Leaks.
func encodingName(s, f string) string {
	switch {
	case f == s:
		return "raw"
	case f == base64.StdEncoding.EncodeToString([]byte(s)), f == base64.RawStdEncoding.EncodeToString([]byte(s)):
		return "base64"
	case f == base64.URLEncoding.EncodeToString([]byte(s)), f == base64.RawURLEncoding.EncodeToString([]byte(s)):
		return "base64url"
	}
	return "escaped"
}
