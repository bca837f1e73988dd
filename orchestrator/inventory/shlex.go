package inventory

import (
	"errors"
	"strings"
)

// shlexSplit is Python's shlex.split(line, comments=True), which is how
// Ansible splits an INI host line: whitespace separates words, '…' quotes
// literally, "…" quotes with \" and \\ as the only escapes, a backslash
// outside quotes escapes the next character, and # starts a comment even
// in the middle of a word ("x=a#b" is "x=a").
func shlexSplit(line string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false // a word is open, possibly empty (`""`)
	var quote rune  // the open quote, or 0
	rs := []rune(line)
	for i := 0; i < len(rs); i++ {
		c := rs[i]
		switch {
		case quote == '\'':
			if c == '\'' {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case quote == '"':
			switch {
			case c == '"':
				quote = 0
			case c == '\\' && i+1 < len(rs) && (rs[i+1] == '"' || rs[i+1] == '\\'):
				i++
				cur.WriteRune(rs[i])
			case c == '\\' && i+1 == len(rs):
				return nil, errors.New("no escaped character")
			default:
				cur.WriteRune(c)
			}
		case c == '\\':
			if i+1 == len(rs) {
				return nil, errors.New("no escaped character")
			}
			i++
			cur.WriteRune(rs[i])
			inWord = true
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '#':
			i = len(rs)
		case strings.ContainsRune(" \t\r\n", c):
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if quote != 0 {
		return nil, errors.New("no closing quotation")
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, nil
}
