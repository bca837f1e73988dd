package inventory

import (
	"fmt"
	"regexp"
	"strings"
)

// globRegexp translates a shell glob the way Python's fnmatch.translate
// does, which is how Ansible matches "web*" or "db[0-9]" against group and
// host names: "*" and "?" match any character, "/" and "." included;
// "[!…]" negates; an unclosed "[" is literal; there is no escape character;
// case matters. (Go's path.Match differs on all but the last.)
func globRegexp(pat string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`(?s)^`)
	rs := []rune(pat)
	for i := 0; i < len(rs); {
		c := rs[i]
		i++
		switch c {
		case '*':
			for i < len(rs) && rs[i] == '*' {
				i++
			}
			b.WriteString(`.*`)
		case '?':
			b.WriteString(`.`)
		case '[':
			j := i
			if j < len(rs) && rs[j] == '!' {
				j++
			}
			if j < len(rs) && rs[j] == ']' {
				j++
			}
			for j < len(rs) && rs[j] != ']' {
				j++
			}
			if j >= len(rs) {
				b.WriteString(`\[`)
				continue
			}
			b.WriteString(charClass(rs[i:j]))
			i = j + 1
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return regexp.MustCompile(b.String())
}

// charClass translates the inside of a glob's [...]: "a-z" is a range, a
// range whose ends are reversed matches nothing (Python drops it), "-"
// first or last is literal. Every character is written as \x{…} so that
// nothing in it can mean something else to RE2.
func charClass(body []rune) string {
	neg := len(body) > 0 && body[0] == '!'
	if neg {
		body = body[1:]
	}
	var items strings.Builder
	for k := 0; k < len(body); {
		lo := body[k]
		if k+2 < len(body) && body[k+1] == '-' {
			if hi := body[k+2]; lo <= hi {
				fmt.Fprintf(&items, `\x{%x}-\x{%x}`, lo, hi)
			}
			k += 3
			continue
		}
		fmt.Fprintf(&items, `\x{%x}`, lo)
		k++
	}
	switch {
	case items.Len() == 0 && neg:
		return `.`
	case items.Len() == 0:
		return `[^\x00-\x{10FFFF}]` // matches nothing, as Python's (?!)
	case neg:
		return `[^` + items.String() + `]`
	}
	return `[` + items.String() + `]`
}
