package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Verification errors. None is worth retrying with the same request; none
// carries the signature or the secret.
var (
	ErrNoSecret     = errors.New("hook has no secret")                           // a configuration error
	ErrNoSignature  = errors.New("signature header missing")                     // 401
	ErrBadSignature = errors.New("signature does not match")                     // 401: wrong secret, altered body, or not "sha256=<64 lower-case hex>"
	ErrBadTimestamp = errors.New("timestamp header missing or not unix seconds") // 401
	ErrStale        = errors.New("timestamp outside the replay window")          // 401: too old or in the future; check the sender's clock
	ErrNoDelivery   = errors.New("delivery ID header missing")                   // 400
	ErrBadHeader    = errors.New("not 1-128 printable ASCII characters")         // 400: delivery ID or event
)

const sigPrefix = "sha256="

// SignGitHub returns GitHub's X-Hub-Signature-256 value for body:
// "sha256=" + hex(HMAC-SHA256(secret, body)).
func SignGitHub(secret, body []byte) string {
	return sigPrefix + hex.EncodeToString(mac(secret, nil, body))
}

// SignGeneric returns the generic scheme's X-Ck8s-Signature value:
// "sha256=" + hex(HMAC-SHA256(secret, timestamp + "." + body)).
func SignGeneric(secret, body []byte, timestamp string) string {
	return sigPrefix + hex.EncodeToString(mac(secret, []byte(timestamp+"."), body))
}

// VerifyGitHub checks an X-Hub-Signature-256 header against the raw body.
func VerifyGitHub(secret, body []byte, header string) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	return compare(SignGitHub(secret, body), header)
}

// VerifyGeneric checks the generic scheme's headers: the signature first,
// so that ErrStale means an authentic request that came too late (or a
// sender clock that is off), then that timestamp is within window of now
// (either side; window ≤ 0 means DefaultWindow).
func VerifyGeneric(secret, body []byte, timestamp, signature string, now time.Time, window time.Duration) error {
	if len(secret) == 0 {
		return ErrNoSecret
	}
	ts, err := parseTimestamp(timestamp)
	if err != nil {
		return err
	}
	if err := compare(SignGeneric(secret, body, timestamp), signature); err != nil {
		return err
	}
	if window <= 0 {
		window = DefaultWindow
	}
	skew := now.Unix() - ts
	if skew < 0 {
		skew = -skew
	}
	if skew > int64(window/time.Second) {
		return fmt.Errorf("%w: %ds from now, window %s", ErrStale, now.Unix()-ts, window)
	}
	return nil
}

// compare is constant-time in the header's content; the header must be
// exactly the expected spelling, so no second form of one MAC verifies.
func compare(want, header string) error {
	if header == "" {
		return ErrNoSignature
	}
	if !hmac.Equal([]byte(want), []byte(header)) {
		return ErrBadSignature
	}
	return nil
}

func mac(secret, prefix, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(prefix)
	m.Write(body)
	return m.Sum(nil)
}

// parseTimestamp accepts 1-18 ASCII digits: no sign, no fraction, no
// overflow.
func parseTimestamp(s string) (int64, error) {
	if s == "" || len(s) > 18 || strings.Trim(s, "0123456789") != "" {
		return 0, ErrBadTimestamp
	}
	var ts int64
	for _, c := range s {
		ts = ts*10 + int64(c-'0')
	}
	return ts, nil
}
