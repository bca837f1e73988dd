// Package termtext makes text that hosts supplied (event messages, host
// names from facts, listener process names, certificate fields, agent
// errors) safe to print on a terminal. A string holding ESC can retitle
// the window, rewrite the screen or fake a hyperlink; CR can overwrite
// what was printed before it ("failed" by "ok"); bidi overrides can
// reorder a line. Each such character is written as a visible Go escape
// (\x1b, \r, \u202e); printable text, UTF-8 included, is kept.
package termtext

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Escape returns s for one line of output: every control character,
// newlines and tabs too (a host-supplied newline could forge a line of a
// report), escaped; invalid UTF-8 as \xNN.
func Escape(s string) string { return escape(s, false) }

// EscapeText is Escape for multi-line text (diffs): newlines and tabs stay.
func EscapeText(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if clean(s, keepLines) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case unsafe(r):
			b.WriteString(quote(r))
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

func clean(s string, keepLines bool) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if unsafe(r) && !(keepLines && (r == '\n' || r == '\t')) {
			return false
		}
	}
	return true
}

// unsafe: C0 and C1 controls, DEL, and the bidi embedding, override and
// isolate characters (the "Trojan Source" set).
func unsafe(r rune) bool {
	return r < 0x20 || (r >= 0x7f && r <= 0x9f) ||
		(r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069) || r == 0x200e || r == 0x200f
}

func quote(r rune) string {
	switch r {
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	}
	if r < 0x100 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// Raw returns the writer under a Writer, for output that is ck8sctl's own
// terminal control (a progress bar's \r) and never carries host text.
func Raw(w io.Writer) io.Writer {
	if tw, ok := w.(Writer); ok {
		return tw.W
	}
	return w
}

// Writer escapes, as EscapeText, everything written through it: the last
// line of defence for a terminal stream, behind the per-field Escape of
// the printers. Writes are assumed to end on character boundaries (each
// fmt.Fprintf is one write), which the CLI's printers hold to.
type Writer struct{ W io.Writer }

func (w Writer) Write(p []byte) (int, error) {
	s := string(p)
	if clean(s, true) {
		return w.W.Write(p)
	}
	if _, err := io.WriteString(w.W, EscapeText(s)); err != nil {
		return 0, err
	}
	return len(p), nil
}
