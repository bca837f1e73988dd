package store

import (
	"database/sql"
	"strconv"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
)

// dialect is what differs between the SQLite and PostgreSQL stores. The
// queries are written once, with ? placeholders and portable SQL; the
// dialect rewrites the placeholders and chooses how times are stored.
type dialect struct {
	name  string // also the migrations directory
	goose goose.Dialect
	// numbered: PostgreSQL's $1..$N placeholders instead of ?.
	numbered bool
}

var (
	sqliteDialect   = &dialect{name: "sqlite", goose: goose.DialectSQLite3}
	postgresDialect = &dialect{name: "postgres", goose: goose.DialectPostgres, numbered: true}
)

// bind rewrites q's ? placeholders for the dialect. Our queries have no ?
// inside string literals; quoted text is skipped all the same.
func (d *dialect) bind(q string) string {
	if !d.numbered {
		return q
	}
	var b strings.Builder
	n, quoted := 0, false
	for _, r := range q {
		switch {
		case r == '\'':
			quoted = !quoted
		case r == '?' && !quoted:
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// time is t as the dialect stores it: fixed-width text in SQLite (text
// order is time order), a timestamptz in PostgreSQL. timestamptz keeps
// microseconds: t is truncated rather than left to the server to round,
// so a value read back never lies after the one written.
func (d *dialect) time(t time.Time) any {
	if d.numbered {
		return t.UTC().Truncate(time.Microsecond)
	}
	return formatTime(t)
}

// nullTime is time, with the zero time as NULL (a run not yet finished).
func (d *dialect) nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return d.time(t)
}

// timeDest scans a stored time of either dialect into *t, in UTC; NULL
// is the zero time.
type timeDest struct{ t *time.Time }

func (d timeDest) Scan(src any) error {
	var err error
	switch v := src.(type) {
	case nil:
		*d.t = time.Time{}
	case time.Time:
		*d.t = v.UTC()
	case string:
		*d.t, err = parseTime(v)
	case []byte:
		*d.t, err = parseTime(string(v))
	default:
		err = errBadTime(src)
	}
	return err
}

var _ sql.Scanner = timeDest{}
