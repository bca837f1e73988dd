package config

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// Nothing that prints or encodes a whole Config shows a secret.
func TestSecretsNeverShow(t *testing.T) {
	c := loadFull(t)
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("loaded", "config", c, "token", c.Tokens[0].Secret, "tokens", c.Tokens)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "config", *c, "webhook", c.Webhooks[1])
	js, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{
		"fmt":   fmt.Sprintf("%v %+v %#v %s %x %q %d %x", c, *c, *c, c.Tokens, c.Webhooks, c.Tokens, c.Tokens[0].Secret, c.Webhooks[0].Secret),
		"json":  string(js),
		"slog":  logs.String(),
		"error": fmt.Errorf("wrapped: %v", c.Webhooks).Error(),
	}
	for name, s := range out {
		for _, secret := range c.Secrets() {
			if strings.Contains(s, secret) || strings.Contains(s, fmt.Sprintf("%x", secret)) {
				t.Errorf("%s output shows a secret: %s", name, s)
			}
		}
		if !strings.Contains(s, Redacted) {
			t.Errorf("%s output has no %s: %s", name, Redacted, s)
		}
	}
	if !strings.Contains(logs.String(), `"token":"[redacted]"`) {
		t.Errorf("slog attribute not redacted by LogValue: %s", logs.String())
	}
}

// Errors about a secret file name it and never quote its content, even
// when that is all the message could be about.
func TestSecretFileErrorsHideContent(t *testing.T) {
	path := fixture(t, base+"tokens:\n  - {name: a, file: world}\n  - {name: b, file: secret}\n  - {name: c, file: secret}\n")
	_, err := Load(path)
	if err == nil {
		t.Fatal("no error")
	}
	for _, s := range []string{fileSecret, "world-" + fileSecret} {
		if strings.Contains(err.Error(), s) {
			t.Errorf("error quotes a secret file: %v", err)
		}
	}
	if !strings.Contains(err.Error(), "chmod 600") || !strings.Contains(err.Error(), "same secret as token") {
		t.Errorf("unexpected error: %v", err)
	}
}

func TestSecretEqual(t *testing.T) {
	s := Secret{b: []byte("abc")}
	for _, tc := range []struct {
		in   string
		want bool
	}{{"abc", true}, {"abd", false}, {"ab", false}, {"abcd", false}, {"", false}} {
		if got := s.Equal([]byte(tc.in)); got != tc.want {
			t.Errorf("Equal(%q) = %v", tc.in, got)
		}
	}
	if (Secret{}).Equal(nil) || (Secret{}).Equal([]byte{}) {
		t.Error("a zero Secret equals the empty token")
	}
	b := s.Bytes()
	b[0] = 'x'
	if !s.Equal([]byte("abc")) {
		t.Error("Bytes returned the secret's own storage")
	}
}
