package termtext

import (
	"bytes"
	"testing"
)

func TestEscape(t *testing.T) {
	for in, want := range map[string]string{
		"plain text, größe ✓ 日本":        "plain text, größe ✓ 日本",
		"\x1b]0;pwned\a":                `\x1b]0;pwned\a`,
		"failed\rok    ":                `failed\rok    `,
		"two\nlines\tand tab":           `two\nlines\tand tab`,
		"\u202egnp.exe":                 `\u202egnp.exe`,
		"del\x7f c1\u009b bad\xff utf8": `del\x7f c1\x9b bad\xff utf8`,
		"\x1b[2J\x1b[H":                 `\x1b[2J\x1b[H`,
	} {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
	}
	if got := EscapeText("diff\n-\trule\x1b[31m\n"); got != "diff\n-\trule\\x1b[31m\n" {
		t.Errorf("EscapeText kept or lost the wrong characters: %q", got)
	}
}

func TestWriter(t *testing.T) {
	var b bytes.Buffer
	w := Writer{W: &b}
	n, err := w.Write([]byte("host a\x1b]0;pwned\a: ok\r\n"))
	if err != nil || n != len("host a\x1b]0;pwned\a: ok\r\n") {
		t.Fatalf("Write: %d, %v", n, err)
	}
	if got := b.String(); got != "host a\\x1b]0;pwned\\a: ok\\r\n" {
		t.Errorf("wrote %q", got)
	}
	if Raw(w) != &b {
		t.Error("Raw does not unwrap")
	}
}
