package webhook

import (
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestVerifyGeneric(t *testing.T) {
	secret, body := []byte("s3cr3t"), []byte(`{"ref":"refs/heads/main"}`)
	now := time.Unix(1700000000, 0)
	at := func(offset int64) string { return strconv.FormatInt(now.Unix()+offset, 10) }
	sign := func(ts string) string { return SignGeneric(secret, body, ts) }
	cases := []struct {
		name, ts, sig string
		window        time.Duration
		want          error
	}{
		{"now", at(0), sign(at(0)), 0, nil},
		{"oldest in window", at(-300), sign(at(-300)), 0, nil},
		{"newest in window", at(300), sign(at(300)), 0, nil},
		{"too old", at(-301), sign(at(-301)), 0, ErrStale},
		{"in the future", at(301), sign(at(301)), 0, ErrStale},
		{"custom window", at(-61), sign(at(-61)), time.Minute, ErrStale},
		{"epoch", "0", sign("0"), 0, ErrStale},
		{"leading zeros are signed too", "0" + at(0), sign("0" + at(0)), 0, nil},
		{"stale and forged is unauthorized", at(-3600), sign(at(-3599)), 0, ErrBadSignature},
		{"signed for another timestamp", at(1), sign(at(0)), 0, ErrBadSignature},
		{"no signature", at(0), "", 0, ErrNoSignature},
		{"upper-case hex", at(0), "sha256=" + strings.ToUpper(sign(at(0))[7:]), 0, ErrBadSignature},
		{"no prefix", at(0), sign(at(0))[7:], 0, ErrBadSignature},
		{"sha1 prefix", at(0), "sha1=" + sign(at(0))[7:], 0, ErrBadSignature},
		{"truncated", at(0), sign(at(0))[:70], 0, ErrBadSignature},
		{"no timestamp", "", sign(""), 0, ErrBadTimestamp},
		{"signed", "+" + at(0), sign("+" + at(0)), 0, ErrBadTimestamp},
		{"negative", "-5", sign("-5"), 0, ErrBadTimestamp},
		{"fraction", at(0) + ".5", sign(at(0) + ".5"), 0, ErrBadTimestamp},
		{"milliseconds overflow", "9999999999999999999", sign("9999999999999999999"), 0, ErrBadTimestamp},
		{"words", "yesterday", sign("yesterday"), 0, ErrBadTimestamp},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := VerifyGeneric(secret, body, c.ts, c.sig, now, c.window)
			if !errors.Is(err, c.want) || (c.want == nil) != (err == nil) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), string(secret)) {
				t.Fatalf("error %q holds the secret", err)
			}
		})
	}
}

func TestVerifyRefusesEmptySecret(t *testing.T) {
	body := []byte("x")
	if err := VerifyGitHub(nil, body, SignGitHub(nil, body)); !errors.Is(err, ErrNoSecret) {
		t.Errorf("github: err = %v, want ErrNoSecret", err)
	}
	ts := "1700000000"
	if err := VerifyGeneric(nil, body, ts, SignGeneric(nil, body, ts), time.Unix(1700000000, 0), 0); !errors.Is(err, ErrNoSecret) {
		t.Errorf("generic: err = %v, want ErrNoSecret", err)
	}
}

func TestVerifyGitHubMalformedHeaders(t *testing.T) {
	secret, body := []byte("s3cr3t"), []byte("{}")
	good := SignGitHub(secret, body)
	for _, h := range []string{"sha256=", "sha256", good + "00", good[:len(good)-1], " " + good, "SHA256=" + good[7:], "sha256=" + strings.ToUpper(good[7:])} {
		if err := VerifyGitHub(secret, body, h); !errors.Is(err, ErrBadSignature) {
			t.Errorf("header %q: err = %v, want ErrBadSignature", h, err)
		}
	}
	if err := VerifyGitHub(secret, body, ""); !errors.Is(err, ErrNoSignature) {
		t.Errorf("no header: err = %v, want ErrNoSignature", err)
	}
}
