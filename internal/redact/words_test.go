package redact

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// secretWords expands to its words, each matched by secretWords whole and
// holding a trigger, so wordAt knows every word the rules can match.
func TestSecretWordsExpand(t *testing.T) {
	words := finiteLanguage(secretWords)
	whole := regexp.MustCompile(`^(?:` + secretWords + `)$`)
	for _, w := range words {
		if !whole.MatchString(w) {
			t.Errorf("%q is not matched by secretWords", w)
		}
		if !slices.ContainsFunc(keyTriggers, func(k string) bool { return strings.Contains(w, k) }) {
			t.Errorf("%q holds no trigger: the rules would never look at it", w)
		}
	}
	for _, w := range []string{"passwd", "passwords", "passphrases", "secrets", "token", "credentials", "auth",
		"apikey", "tls_key", "private.key", "ssh-key", "keydata", "key_data", "client-certificate-data"} {
		if !slices.Contains(words, w) {
			t.Errorf("%q is missing from the expansion", w)
		}
	}
	if len(words) != 53 {
		t.Errorf("%d words, want 53 (secretWords changed? check this count and followChars)", len(words))
	}
}

// The word filter changes no output on ASCII text: every secret word in
// every position and follow form the rules know, every decoy that only
// holds a trigger, masked the same with and without it.
func TestWordFilterMasksTheSame(t *testing.T) {
	r := Default()
	all := &Redactor{rules: slices.Clone(r.rules), lits: r.lits}
	for i := range all.rules {
		all.rules[i].word = false
	}
	var texts []string
	for _, w := range finiteLanguage(secretWords) {
		for _, word := range []string{w, strings.ToUpper(w), strings.ToUpper(w[:1]) + w[1:]} {
			for _, form := range []string{
				"%s: hunter2-value", "%s=hunter2-value", "%s = 'hunter2 value'", `%s: "hunter2 value"`,
				`{"%s": "hunter2-value"}`, `%s "hunter2-value"`, "--%s hunter2-value", "--db-%s=hunter2",
				"db_%s: hunter2-value", "  - my.%s:\thunter2", `{"name": "DB_%s", "value": "hunter2-value"}`,
				"name: APP_%s\n  value: hunter2-value", `%s\": \"hunter2-value\"`, "x%sy: hunter2", "%ss: hunter2",
				"the %s rotated", "%s\n: x", "%s",
			} {
				texts = append(texts, fmt.Sprintf("line before\nsay "+form+" then more text", word))
			}
		}
	}
	texts = append(texts,
		strings.Repeat("tokens used 42; the monkey's keyboard author passenger; ", 30),
		"authorization: Bearer abcdefghijklmnop", "api key rotated: no value here", "key: value", "secret",
		"pass=word", "token:", "token=", `"key": "x"`, "K10"+strings.Repeat("ab12", 16)+"::server:pw123456",
	)
	// And texts pieced together at random (a fixed seed) from secret
	// words, decoys, the follow characters and what surrounds them.
	pieces := append(finiteLanguage(secretWords), "tokens", "monkey", "author", "Passenger", "KEY", "Secret",
		"--", "-", "_", ".", ":", "=", " ", "\t", "\n", `"`, "'", `\`, ",", "{", "}", "name", "value", "db",
		"hunter2", "x", "42", "  - ", "Bearer", "://u:p@h")
	rng := rand.New(rand.NewPCG(16, 12))
	for range 3000 {
		var b strings.Builder
		for range 1 + rng.IntN(12) {
			b.WriteString(pieces[rng.IntN(len(pieces))])
		}
		texts = append(texts, b.String())
	}
	for _, s := range texts {
		if got, want := r.String(s), all.String(s); got != want {
			t.Errorf("String(%q)\n  = %q with the word filter\n  = %q without", s, got, want)
		}
	}
}

// FuzzWordFilter checks what TestWordFilterMasksTheSame checks on any
// text: the word filter changes no output.
func FuzzWordFilter(f *testing.F) {
	for _, s := range []string{"password: hunter2", "--db-password hunter2", `{"name": "DB_TOKEN", "value": "x1"}`,
		"tokens used 42", "api_key=abc", "name: X_SECRET\n  value: y", "client-certificate-data: LS0t", "auth\t'x'"} {
		f.Add(s)
	}
	r := Default()
	all := &Redactor{rules: slices.Clone(r.rules), lits: r.lits}
	for i := range all.rules {
		all.rules[i].word = false
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := r.String(s), all.String(s); got != want {
			t.Errorf("String(%q)\n  = %q with the word filter\n  = %q without", s, got, want)
		}
	})
}
