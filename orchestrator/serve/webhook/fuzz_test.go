package webhook

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// FuzzVerifyGitHub: a signature made for any secret and body verifies;
// flipping any bit of the header or the body, or any other header, fails.
func FuzzVerifyGitHub(f *testing.F) {
	f.Add([]byte("It's a Secret to Everybody"), []byte("Hello, World!"), "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17", uint16(3))
	f.Add([]byte("k"), []byte{}, "", uint16(0))
	f.Fuzz(func(t *testing.T, secret, body []byte, header string, pos uint16) {
		good := SignGitHub(secret, body)
		err := VerifyGitHub(secret, body, header) // arbitrary header: must not panic
		if len(secret) == 0 {
			if !errors.Is(err, ErrNoSecret) {
				t.Fatalf("empty secret: err = %v", err)
			}
			return
		}
		if (err == nil) != (header == good) {
			t.Fatalf("header %q: err = %v", header, err)
		}
		if err := VerifyGitHub(secret, body, good); err != nil {
			t.Fatalf("own signature: %v", err)
		}
		if err := VerifyGitHub(secret, body, flipString(good, pos)); err == nil {
			t.Fatalf("mutated header %q verified", flipString(good, pos))
		}
		if len(body) > 0 {
			if err := VerifyGitHub(secret, flipBytes(body, pos), good); err == nil {
				t.Fatal("mutated body verified")
			}
		}
	})
}

// FuzzVerifyGeneric: the same for the generic scheme, with the timestamp
// mutated too and the clock at the signed time.
func FuzzVerifyGeneric(f *testing.F) {
	f.Add([]byte("s3cr3t"), []byte(`{"ref":"refs/heads/main"}`), "1700000000", "", uint16(9))
	f.Add([]byte("k"), []byte{}, "", "sha256=", uint16(0))
	f.Add([]byte("k"), []byte("x"), "-1", "sha256=00", uint16(1))
	f.Fuzz(func(t *testing.T, secret, body []byte, ts, header string, pos uint16) {
		good := SignGeneric(secret, body, ts)
		n, perr := strconv.ParseUint(ts, 10, 63)
		now := time.Unix(int64(n%(1<<40)), 0)
		err := VerifyGeneric(secret, body, ts, header, now, time.Minute)
		switch {
		case len(secret) == 0:
			if !errors.Is(err, ErrNoSecret) {
				t.Fatalf("empty secret: err = %v", err)
			}
			return
		case perr != nil || len(ts) > 18 || ts[0] == '+':
			if !errors.Is(err, ErrBadTimestamp) {
				t.Fatalf("timestamp %q: err = %v", ts, err)
			}
			return
		case n >= 1<<40:
			return // no clock to put there; the window check is TestVerifyGeneric's
		}
		if (err == nil) != (header == good) {
			t.Fatalf("header %q: err = %v", header, err)
		}
		if err := VerifyGeneric(secret, body, ts, good, now, time.Minute); err != nil {
			t.Fatalf("own signature: %v", err)
		}
		if VerifyGeneric(secret, body, ts, flipString(good, pos), now, time.Minute) == nil {
			t.Fatal("mutated signature verified")
		}
		if VerifyGeneric(secret, body, flipString(ts, pos), good, now, time.Minute) == nil {
			t.Fatal("mutated timestamp verified")
		}
		if len(body) > 0 && VerifyGeneric(secret, flipBytes(body, pos), ts, good, now, time.Minute) == nil {
			t.Fatal("mutated body verified")
		}
	})
}

// FuzzParsePayload: never panics; every error names a field or an offset;
// a valid JSON object fails only on a known field.
func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{"", "{}", `{"ref":"a","after":"b","repository":{"full_name":"c"},"sender":{"login":"d"}}`,
		`{"ref":5}`, `[`, `{"repository":{"full_name":[]}}`, `{"commit":null,"after":"x"}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := ParsePayload(body)
		if err == nil {
			for _, v := range []string{p.Ref, p.Commit, p.Repository, p.Sender} {
				if len(v) > maxField {
					t.Fatalf("field of %d bytes accepted", len(v))
				}
			}
			return
		}
		msg := err.Error()
		named := strings.HasPrefix(msg, `payload field "`)
		if !named && !strings.HasPrefix(msg, "payload at offset ") {
			t.Fatalf("error names neither field nor offset: %v", err)
		}
		var obj map[string]json.RawMessage
		if named && json.Unmarshal(body, &obj) != nil {
			t.Fatalf("field error %v for a body that is not an object", err)
		}
		if !named && json.Unmarshal(body, &obj) == nil {
			t.Fatalf("offset error %v for a valid object", err)
		}
	})
}

// flipString flips one bit of s at pos (mod its length).
func flipString(s string, pos uint16) string {
	if s == "" {
		return "x"
	}
	return string(flipBytes([]byte(s), pos))
}

func flipBytes(b []byte, pos uint16) []byte {
	out := append([]byte(nil), b...)
	out[int(pos)%len(out)] ^= 1 << (pos % 8)
	return out
}
