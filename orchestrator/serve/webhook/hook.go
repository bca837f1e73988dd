package webhook

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"time"
)

// Scheme is how a hook's requests are signed.
type Scheme string

// The signing schemes (see the package doc).
const (
	GitHub  Scheme = "github"
	Generic Scheme = "generic"
)

// Defaults for the zero values of Hook's limits.
const (
	DefaultWindow    = 5 * time.Minute
	DefaultMaxBody   = 1 << 20
	DefaultPerMinute = 60
	DefaultBurst     = 10
)

// Hook is one configured webhook. Its Secret is never printed: Hook
// formats, logs and marshals without it.
type Hook struct {
	Name      string // served at POST /v1/hooks/{Name}
	Scheme    Scheme
	Secret    []byte        `json:"-"`
	Window    time.Duration // generic scheme's replay window; 0 → DefaultWindow
	MaxBody   int64         // bytes; 0 → DefaultMaxBody
	PerMinute int           // sustained requests per minute; 0 → DefaultPerMinute
	Burst     int           // requests allowed at once; 0 → DefaultBurst
}

// String names the hook without its secret (also used for %v and %+v).
func (h Hook) String() string { return fmt.Sprintf("webhook %q (%s)", h.Name, h.Scheme) }

// GoString keeps %#v from printing the secret.
func (h Hook) GoString() string { return h.String() }

// LogValue keeps slog from printing the secret.
func (h Hook) LogValue() slog.Value {
	return slog.GroupValue(slog.String("name", h.Name), slog.String("scheme", string(h.Scheme)))
}

// hookName is what may follow /v1/hooks/: it is a URL segment and a
// metric label, so nothing that needs escaping.
var hookName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// withDefaults checks h and fills its zero limits.
func (h Hook) withDefaults() (Hook, error) {
	if !hookName.MatchString(h.Name) {
		return h, fmt.Errorf("field \"name\": %q is not 1-64 letters, digits, '.', '_' or '-'", h.Name)
	}
	switch {
	case h.Scheme != GitHub && h.Scheme != Generic:
		return h, fmt.Errorf("field \"scheme\": unknown scheme %q (want %q or %q)", h.Scheme, GitHub, Generic)
	case len(h.Secret) == 0:
		return h, errors.New("field \"secret\": empty")
	case h.Window < 0 || h.MaxBody < 0 || h.PerMinute < 0 || h.Burst < 0:
		return h, errors.New("window, maxBody, perMinute and burst must not be negative")
	}
	h.Window = orDefault(h.Window, DefaultWindow)
	h.MaxBody = orDefault(h.MaxBody, DefaultMaxBody)
	h.PerMinute = orDefault(h.PerMinute, DefaultPerMinute)
	h.Burst = orDefault(h.Burst, DefaultBurst)
	return h, nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
