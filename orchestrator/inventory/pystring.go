package inventory

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// pyString scans a string literal at the start of s (which starts with
// its quote), prefix being the lower-cased prefix before it. Bytes become
// strings, as Ansible's to_text does. \N{NAME} escapes need Unicode's name
// table, which Go lacks: such a value stays plain text, as a value Python
// cannot read would.
func pyString(s, prefix string) (pyTok, int, bool) {
	raw, isBytes := strings.Contains(prefix, "r"), strings.Contains(prefix, "b")
	kind := byte('s')
	switch {
	case strings.Contains(prefix, "f"):
		kind = 'f' // an f-string is a JoinedStr, never a literal
	case isBytes:
		kind = 'b'
	}
	q := s[:1]
	if strings.HasPrefix(s, q+q+q) {
		q = q + q + q
	}
	var out []byte
	for i := len(q); i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], q):
			return pyTok{kind: kind, val: string(out)}, i + len(q), true
		case s[i] == '\n' && len(q) == 1:
			return pyTok{}, 0, false
		case isBytes && s[i] >= utf8.RuneSelf:
			return pyTok{}, 0, false // bytes literals are ASCII
		case s[i] != '\\':
			out, i = append(out, s[i]), i+1
		case i+1 == len(s):
			return pyTok{}, 0, false
		case raw:
			out, i = append(out, s[i], s[i+1]), i+2
		default:
			b, n, ok := pyEscape(s[i:], isBytes)
			if !ok {
				return pyTok{}, 0, false
			}
			out, i = append(out, b...), i+n
		}
	}
	return pyTok{}, 0, false // unterminated
}

var simpleEscapes = map[byte]byte{'\\': '\\', '\'': '\'', '"': '"', 'a': 7, 'b': 8, 'f': 12, 'n': '\n', 'r': '\r', 't': '\t', 'v': 11}

// pyEscape decodes the escape sequence at the start of s ("\n", "\x41",
// "\101", "\u00e9"); unknown escapes stay as written, as in Python.
func pyEscape(s string, isBytes bool) ([]byte, int, bool) {
	c := s[1]
	if b, ok := simpleEscapes[c]; ok {
		return []byte{b}, 2, true
	}
	switch {
	case c == '\n':
		return nil, 2, true
	case c >= '0' && c <= '7':
		n := 2
		for n < 4 && n < len(s) && s[n] >= '0' && s[n] <= '7' {
			n++
		}
		v, _ := strconv.ParseUint(s[1:n], 8, 32)
		if isBytes {
			return []byte{byte(v)}, n, true
		}
		return utf8.AppendRune(nil, rune(v)), n, true
	case c == 'x':
		return hexEscape(s, 2, isBytes)
	case c == 'u' && !isBytes:
		return hexEscape(s, 4, false)
	case c == 'U' && !isBytes:
		return hexEscape(s, 8, false)
	case c == 'N' && !isBytes:
		return nil, 0, false
	}
	return []byte{'\\'}, 1, true // the next character is read as itself
}

// hexEscape decodes \x, \u or \U with exactly digits hex digits.
func hexEscape(s string, digits int, isBytes bool) ([]byte, int, bool) {
	n := 2 + digits
	if len(s) < n {
		return nil, 0, false
	}
	v, err := strconv.ParseUint(s[2:n], 16, 32)
	if err != nil || strings.ContainsAny(s[2:n], "+-_") || v > utf8.MaxRune {
		return nil, 0, false
	}
	if isBytes {
		return []byte{byte(v)}, n, true
	}
	return utf8.AppendRune(nil, rune(v)), n, true
}
