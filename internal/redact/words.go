package redact

import (
	"fmt"
	"regexp/syntax"
	"strings"
	"sync"
)

// The five rules behind keyTriggers match a word of secretWords followed
// at once by one of followChars (a quote, an escape, white space, : or =),
// and most text that holds a trigger holds it in some other word: tokens,
// monkey, keyboard, author, passenger. A trigger starts a window only
// where a secretWords word holds it and a follow character comes right
// after that word (wordAt); the regexps, which made the redactor's cost
// (3 MB/s on text where such words recur), then run on the windows that
// can match. Text with a byte beyond ASCII keeps every window: the
// rules' (?i) folds a few other letters into ASCII ones (ſ into s, the
// Kelvin sign into k), which this byte-wise check would not see.

// followChars may come right after a secretWords word in a match of a
// rule behind keyTriggers: `\\?["']` then `\s*[:=]` (key=value), `[ \t]+`
// (key "value", flags), `[ \t]*:` (YAML), `"` (a JSON name/value pair),
// `["']?[ \t]*\n` (a YAML one). \s is Go's: [\t\n\f\r ].
const followChars = "\\\"' \t\n\f\r:="

// placedWord is a secretWords word and where a trigger sits in it.
type placedWord struct {
	word string
	at   int
}

// triggerWords maps each of keyTriggers to the secretWords words that
// hold it, expanded from secretWords itself on first use.
var triggerWords = sync.OnceValue(func() map[string][]placedWord {
	words := finiteLanguage(secretWords)
	out := map[string][]placedWord{}
	for _, t := range keyTriggers {
		for _, w := range words {
			for from := 0; ; {
				i := strings.Index(w[from:], t)
				if i < 0 {
					break
				}
				out[t] = append(out[t], placedWord{w, from + i})
				from += i + 1
			}
		}
	}
	return out
})

// wordAt reports whether the trigger t found at i in lower sits in a
// secretWords word followed by a follow character.
func wordAt(lower string, i int, t string) bool {
	for _, p := range triggerWords()[t] {
		start := i - p.at
		end := start + len(p.word)
		if start >= 0 && end < len(lower) && lower[start:end] == p.word && strings.IndexByte(followChars, lower[end]) >= 0 {
			return true
		}
	}
	return false
}

// isASCII reports whether s holds no byte beyond ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// finiteLanguage is every string the pattern matches; it panics unless
// the pattern is a finite set of literals (alternations, optional parts,
// character classes), as secretWords is.
func finiteLanguage(pattern string) []string {
	re, err := syntax.Parse(pattern, syntax.Perl)
	if err != nil {
		panic(err)
	}
	return expand(re.Simplify())
}

func expand(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			break
		}
		return []string{string(re.Rune)}
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for r := re.Rune[i]; r <= re.Rune[i+1]; r++ {
				out = append(out, string(r))
			}
		}
		return out
	case syntax.OpCapture:
		return expand(re.Sub[0])
	case syntax.OpQuest:
		return append([]string{""}, expand(re.Sub[0])...)
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			out = append(out, expand(s)...)
		}
		return out
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			var next []string
			for _, head := range out {
				for _, tail := range expand(s) {
					next = append(next, head+tail)
				}
			}
			out = next
		}
		return out
	}
	panic(fmt.Sprintf("redact: %q is not a finite set of literals (%s)", re, re.Op))
}
