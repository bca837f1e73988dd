package inventory

import (
	"errors"
	"math/big"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// pyTok is a token of a Python expression, as far as literals need.
type pyTok struct {
	kind byte   // 'n' number, 's' str, 'b' bytes, 'i' name, 'o' operator, 'f' f-string
	text string // the operator or name
	val  any    // number: int, *big.Int, float64 or pyComplex; string value
}

// pyComplex marks an imaginary number, which JSON cannot carry.
type pyComplex struct{}

// maxPyNesting is CPython's limit on nested brackets (MAXLEVEL): one more
// and the value is a SyntaxError, hence a plain string to Ansible.
const maxPyNesting = 200

// pyLex splits s into tokens the way CPython's tokenizer does for the
// constructs ast.literal_eval can accept; ok is false where CPython would
// raise a SyntaxError.
func pyLex(s string) (toks []pyTok, ok bool) {
	level := 0
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\f':
			i++
		case c == '#':
			return toks, level == 0
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9':
			t, n, ok := pyNumber(s[i:])
			if !ok {
				return nil, false
			}
			toks, i = append(toks, t), i+n
		case c == '"' || c == '\'':
			t, n, ok := pyString(s[i:], "")
			if !ok {
				return nil, false
			}
			toks, i = append(toks, t), i+n
		case isIdentStart(s[i:]):
			n := identLen(s[i:])
			name := s[i : i+n]
			if i+n < len(s) && (s[i+n] == '"' || s[i+n] == '\'') && isStringPrefix(name) {
				t, m, ok := pyString(s[i+n:], strings.ToLower(name))
				if !ok {
					return nil, false
				}
				toks, i = append(toks, t), i+n+m
				continue
			}
			toks, i = append(toks, pyTok{kind: 'i', text: name}), i+n
		case strings.HasPrefix(s[i:], "..."):
			toks, i = append(toks, pyTok{kind: 'o', text: "..."}), i+3
		default:
			switch c {
			case '(', '[', '{':
				if level++; level > maxPyNesting {
					return nil, false
				}
			case ')', ']', '}':
				level--
			}
			_, n := utf8.DecodeRuneInString(s[i:])
			toks, i = append(toks, pyTok{kind: 'o', text: s[i : i+n]}), i+n
		}
	}
	return toks, level == 0
}

func isIdentStart(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return r == '_' || unicode.IsLetter(r)
}

func identLen(s string) int {
	for i, r := range s {
		if r != '_' && !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			return i
		}
	}
	return len(s)
}

func isStringPrefix(p string) bool {
	switch strings.ToLower(p) {
	case "r", "u", "b", "br", "rb", "f", "fr", "rf":
		return true
	}
	return false
}

// pyNumber scans a number literal at the start of s: decimal, 0x/0o/0b
// integers, floats, imaginary numbers, with "_" between digits.
func pyNumber(s string) (pyTok, int, bool) {
	if len(s) > 1 && s[0] == '0' && strings.ContainsRune("xXoObB", rune(s[1])) {
		base := map[byte]int{'x': 16, 'o': 8, 'b': 2}[s[1]|0x20]
		n := 2 + digitPart(s[2:], base, true)
		if n == 2 || followsName(s[n:]) {
			return pyTok{}, 0, false
		}
		v, _ := new(big.Int).SetString(strings.ReplaceAll(s[2:n], "_", ""), base)
		return pyTok{kind: 'n', val: pyInt64(v)}, n, true
	}
	n := digitPart(s, 10, false)
	isFloat := false
	if n < len(s) && s[n] == '.' {
		isFloat = true
		if n+1 < len(s) && s[n+1] == '_' {
			return pyTok{}, 0, false
		}
		n += 1 + digitPart(s[n+1:], 10, false)
	}
	if n < len(s) && (s[n] == 'e' || s[n] == 'E') {
		m := n + 1
		if m < len(s) && (s[m] == '+' || s[m] == '-') {
			m++
		}
		d := digitPart(s[m:], 10, false)
		if d == 0 {
			return pyTok{}, 0, false
		}
		isFloat, n = true, m+d
	}
	text := strings.ReplaceAll(s[:n], "_", "")
	if n < len(s) && (s[n] == 'j' || s[n] == 'J') {
		return pyTok{kind: 'n', val: pyComplex{}}, n + 1, !followsName(s[n+1:])
	}
	if followsName(s[n:]) {
		return pyTok{}, 0, false
	}
	if isFloat {
		// Out of range is ±Inf (or 0), as Python's float() has it.
		f, err := strconv.ParseFloat(text, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return pyTok{}, 0, false
		}
		return pyTok{kind: 'n', val: f}, n, true
	}
	if text[0] == '0' && strings.Trim(text, "0") != "" {
		return pyTok{}, 0, false // "007": leading zeros are a SyntaxError
	}
	v, _ := new(big.Int).SetString(text, 10)
	return pyTok{kind: 'n', val: pyInt64(v)}, n, true
}

// digitPart returns the length of digit ("_"? digit)* at the start of s;
// leadingUnderscore allows "_" before the first digit (after 0x).
func digitPart(s string, base int, leadingUnderscore bool) int {
	n := 0
	for n < len(s) {
		if s[n] == '_' && (n > 0 || leadingUnderscore) && n+1 < len(s) && isDigit(s[n+1], base) {
			n += 2
			continue
		}
		if !isDigit(s[n], base) {
			break
		}
		n++
	}
	return n
}

func isDigit(c byte, base int) bool {
	d := strings.IndexByte("0123456789abcdef", c|0x20)
	if c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f' {
		return base == 16 && d >= 0
	}
	return c >= '0' && c <= '9' && d < base
}

// followsName reports whether a name or digit continues a number, which
// CPython rejects ("1abc", "0b12").
func followsName(s string) bool {
	if s == "" {
		return false
	}
	return s[0] == '_' || s[0] >= '0' && s[0] <= '9' || isIdentStart(s)
}

// pyInt64 is v as an int when it fits, as Python ints usually do.
func pyInt64(v *big.Int) any {
	if v.IsInt64() && v.Int64() == int64(int(v.Int64())) {
		return int(v.Int64())
	}
	return v
}
