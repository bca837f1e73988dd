package store

import (
	"database/sql"
	"fmt"
	"time"
)

// tsLayout is RFC 3339 with a fixed nine fractional digits. RFC3339Nano
// trims trailing zeros, which breaks text ordering ("…05.1Z" sorts after
// "…05.12Z"); fixed width keeps text order equal to time order, which the
// created_at index and every ORDER BY rely on.
const tsLayout = "2006-01-02T15:04:05.000000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(tsLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(tsLayout, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored timestamp %q: %w", s, err)
	}
	return t, nil
}

// nullTime maps the zero time to NULL (a run not yet finished).
func nullTime(t time.Time) sql.NullString {
	if t.IsZero() {
		return sql.NullString{}
	}
	return sql.NullString{String: formatTime(t), Valid: true}
}

func parseNullTime(s sql.NullString) (time.Time, error) {
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}
