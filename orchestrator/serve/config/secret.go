package config

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"log/slog"
)

// Redacted is what a Secret prints as, whatever the verb or encoder.
const Redacted = "[redacted]"

// Secret holds a token or webhook secret. It never prints itself: fmt
// (every verb, %#v included), encoding/json and slog all get Redacted, so
// a Config can be logged or dumped whole. Only Bytes gives the value, for
// an HMAC key, and Equal compares without leaking it through timing.
type Secret struct {
	b []byte
}

// Bytes returns a copy of the secret's value.
func (s Secret) Bytes() []byte { return bytes.Clone(s.b) }

// Equal reports whether b is the secret, in time that depends on neither
// value nor length (both are hashed first). A zero Secret equals nothing.
func (s Secret) Equal(b []byte) bool {
	if len(s.b) == 0 {
		return false
	}
	x, y := sha256.Sum256(s.b), sha256.Sum256(b)
	return subtle.ConstantTimeCompare(x[:], y[:]) == 1
}

func (s Secret) String() string   { return Redacted }
func (s Secret) GoString() string { return Redacted }

// Format covers the verbs String does not (%d, %x on the bytes would
// otherwise print them).
func (s Secret) Format(f fmt.State, _ rune) { _, _ = f.Write([]byte(Redacted)) }

func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + Redacted + `"`), nil }

func (s Secret) MarshalText() ([]byte, error) { return []byte(Redacted), nil }

func (s Secret) LogValue() slog.Value { return slog.StringValue(Redacted) }

var (
	_ fmt.Formatter  = Secret{}
	_ fmt.GoStringer = Secret{}
	_ slog.LogValuer = Secret{}
)
