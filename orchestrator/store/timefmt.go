package store

import (
	"fmt"
	"time"
)

// tsLayout is RFC 3339 with a fixed nine fractional digits, SQLite's
// timestamp column. RFC3339Nano trims trailing zeros, which breaks text
// ordering ("…05.1Z" sorts after "…05.12Z"); fixed width keeps text order
// equal to time order, which the created_at index and every ORDER BY rely
// on.
const tsLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored timestamp %q: %w", s, err)
	}
	return t, nil
}

func errBadTime(src any) error {
	return fmt.Errorf("stored timestamp of type %T: neither text nor a time", src)
}
