package redact

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

const pemKey = `-----BEGIN OPENSSH PRIVATE KEY-----
b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW
QyNTUxOQAAACDxEYHOlGZsuKuTBn7Fk0qkLDUoxHkUXVn0ZQTm1Ux+dgAAAJhlKjh9ZSo4
-----END OPENSSH PRIVATE KEY-----`

func TestStringMasksBuiltinShapes(t *testing.T) {
	cases := []struct{ in, secret, keep string }{
		{"key:\n" + pemKey + "\nafter", "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUA", "after"},
		{"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAtruncated", "MIIEowIBAAKCAQEAtruncated", ""},
		{"Authorization: Bearer abcdEFGH1234.xyz", "abcdEFGH1234.xyz", "Authorization: Bearer"},
		{"jwt eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJlc2ln end", "eyJhbGciOiJSUzI1NiJ9", "end"},
		{"password=hunter2hunter2 next", "hunter2hunter2", "password="},
		{`{"token": "s3cr3t-value"}`, "s3cr3t-value", `"token"`},
		{"client-key-data: LS0tLS1CRUdJTiBFQyBQUklWQVRF", "LS0tLS1CRUdJTiBFQyBQUklWQVRF", "client-key-data"},
		{"postgres://app:dbpass99@db.example/app", "dbpass99", "postgres://app:"},
		{"push with ghp_abcdefghijklmnopqrstuvwxyz0123", "ghp_abcdefghijklmnopqrstuvwxyz0123", "push with"},
		{"AKIAABCDEFGHIJKLMNOP used", "AKIAABCDEFGHIJKLMNOP", "used"},
	}
	r := Default()
	for _, c := range cases {
		got := r.String(c.in)
		if strings.Contains(got, c.secret) {
			t.Errorf("String(%q) = %q: secret %q survived", c.in, got, c.secret)
		}
		if !strings.Contains(got, c.keep) {
			t.Errorf("String(%q) = %q: lost the context %q", c.in, got, c.keep)
		}
	}
}

func TestStringLeavesPlainTextAlone(t *testing.T) {
	r := Default()
	for _, s := range []string{"facts collected on lab-1", "kernel 6.1.0-18-amd64", "token budget exceeded", "198.18.0.11:22"} {
		if got := r.String(s); got != s {
			t.Errorf("String(%q) = %q, want unchanged", s, got)
		}
	}
}

func TestExtraPatternsAndLiterals(t *testing.T) {
	r, err := New([]string{`corp-[0-9]{6}`})
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithLiterals("my passphrase", "ab")
	got := r.String("id corp-123456 and my passphrase, ab stays")
	if strings.Contains(got, "corp-123456") || strings.Contains(got, "my passphrase") {
		t.Fatalf("extra secret survived: %q", got)
	}
	if !strings.Contains(got, "ab stays") {
		t.Fatalf("short literal should not be masked: %q", got)
	}
	if _, err := New([]string{"("}); err == nil || !strings.Contains(err.Error(), "mask[0]") {
		t.Fatalf("bad pattern: err = %v, want one naming mask[0]", err)
	}
}

func TestJSONMasksKeysAndNestedValues(t *testing.T) {
	in := json.RawMessage(`{"user":"root","password":"x1","nested":{"list":["ok","token=abcd1234"],"apiKey":"k"},"n":3}`)
	out := Default().JSON(in)
	var v map[string]any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("output is not JSON: %s", out)
	}
	s := string(out)
	for _, secret := range []string{`"x1"`, "abcd1234", `"k"`} {
		if strings.Contains(s, secret) {
			t.Errorf("JSON output %s still contains %s", s, secret)
		}
	}
	if v["user"] != "root" || v["n"].(float64) != 3 {
		t.Errorf("non-secret values changed: %s", s)
	}
}

func TestJSONInvalidInputIsMaskedAsString(t *testing.T) {
	out := Default().JSON(json.RawMessage(`{broken password=zzzz9999`))
	if !json.Valid(out) || strings.Contains(string(out), "zzzz9999") {
		t.Fatalf("JSON(invalid) = %s", out)
	}
}

func TestEvent(t *testing.T) {
	e := event.Event{Time: time.Now(), Message: "using token=abcdef123", Data: json.RawMessage(`{"passphrase":"pw"}`)}
	got := Default().Event(e)
	if strings.Contains(got.Message, "abcdef123") || strings.Contains(string(got.Data), `"pw"`) {
		t.Fatalf("Event not masked: %+v", got)
	}
}

func TestHandlerMasksMessagesAttrsGroupsAndErrors(t *testing.T) {
	var buf bytes.Buffer
	r, _ := New([]string{`corp-[0-9]{6}`})
	log := slog.New(r.Handler(slog.NewJSONHandler(&buf, nil))).With("token", "tok-secret")
	log.Info("dial with password=pw123456", "err", errors.New("auth failed for corp-654321"),
		slog.Group("g", "passphrase", "grp-secret", "ok", "fine"))
	out := buf.String()
	for _, s := range []string{"pw123456", "corp-654321", "grp-secret", "tok-secret"} {
		if strings.Contains(out, s) {
			t.Errorf("log line leaks %q: %s", s, out)
		}
	}
	if !strings.Contains(out, `"ok":"fine"`) {
		t.Errorf("log line lost plain attrs: %s", out)
	}
}

func FuzzString(f *testing.F) {
	f.Add("password=hunter2 " + pemKey)
	f.Add("Bearer abcdefghijkl")
	f.Add(`password: "a \\"b\\" c" passphrase 'x y' --token t1 K10abcdefabcdefabcdef::node:pw`)
	f.Add("env:\n- name: DB_PASSWORD\n  value: x y\nkey: LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0t")
	f.Fuzz(func(t *testing.T, s string) {
		r := Default()
		once := r.String(s)
		if twice := r.String(once); twice != once {
			t.Fatalf("masking is not idempotent: %q -> %q -> %q", s, once, twice)
		}
		if strings.Contains(once, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Bl") {
			t.Fatalf("PEM key survived: %q", once)
		}
	})
}

// TestBuiltinPatternsCompile: the built-in patterns compile on first use
// (rules.go); every one of them must, or a process would panic at the first
// text holding its trigger.
func TestBuiltinPatternsCompile(t *testing.T) {
	for i := range builtin {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("built-in rule %d (%s): %v", i, builtin[i].re.src, r)
				}
			}()
			if p := builtin[i].re.get(); p.re == nil || p.re.String() != p.src {
				t.Errorf("built-in rule %d: compiled %v from %q", i, p.re, p.src)
			}
		}()
	}
}

// The screen (rules.go) skips the built-in rules for text holding none of
// their words, so every built-in rule must be under it: a rule with
// triggers is, and a rule without has a needle its every match holds, the
// lower-cased literal its pattern starts with.
func TestBuiltinRulesAreScreened(t *testing.T) {
	for i, ru := range builtin {
		switch {
		case len(ru.triggers) > 0 && ru.needle != "":
			t.Errorf("built-in rule %d (%s): both triggers and a needle", i, ru.re.src)
		case len(ru.triggers) > 0:
		case ru.needle == "":
			t.Errorf("built-in rule %d (%s): neither triggers nor a needle: the screen would skip it", i, ru.re.src)
		default:
			prefix, _ := ru.re.get().re.LiteralPrefix()
			if !strings.HasPrefix(lowerASCII(prefix), ru.needle) {
				t.Errorf("built-in rule %d (%s): needle %q is not the start of its literal prefix %q", i, ru.re.src, ru.needle, prefix)
			}
		}
		for _, w := range append(slices.Clone(ru.triggers), ru.needle) {
			if w != "" && (!slices.Contains(screen, w) || w != lowerASCII(w)) {
				t.Errorf("built-in rule %d: %q is not a lower-case word of the screen", i, w)
			}
		}
	}
}

// Text the screen passes over still goes through the playbook's own
// patterns and the learned literals.
func TestScreenedTextKeepsExtraPatterns(t *testing.T) {
	r, err := New([]string{`corp-[0-9]{6}`})
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithLiterals("hunter2hunter2")
	in := "build corp-654321 of hunter2hunter2 done"
	if screened(lowerASCII(in)) {
		t.Fatalf("%q holds a screen word: the test needs text that does not", in)
	}
	if got := r.String(in); got != "build *** of *** done" {
		t.Errorf("String(%q) = %q, want both masked", in, got)
	}
}
