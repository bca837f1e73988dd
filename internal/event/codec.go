package event

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
)

// MaxLine bounds one NDJSON line. Metrics data is the largest event; anything
// beyond this is garbage, not a bigger event.
const MaxLine = 4 << 20

var typeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$`)

// ValidType reports whether t is a well-formed event type: dotted lower-case
// words, at least two of them ("facts.collected").
func ValidType(t string) bool { return typeRE.MatchString(t) }

// LineError is a malformed line of agent output. The decoder keeps going
// after one, so garbage on stdout is reported, never fatal.
type LineError struct {
	Line  int
	Field string // JSON field at fault, if known
	Err   error
	Text  string // the start of the offending line, for the report
}

func (e *LineError) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("agent output line %d: field %q: %v", e.Line, e.Field, e.Err)
	}
	return fmt.Sprintf("agent output line %d: %v", e.Line, e.Err)
}

func (e *LineError) Unwrap() error { return e.Err }

// Encoder writes events as NDJSON.
type Encoder struct{ w io.Writer }

// NewEncoder returns an Encoder writing to w.
func NewEncoder(w io.Writer) *Encoder { return &Encoder{w: w} }

// Encode writes e as one line. The write is a single call so that lines from
// concurrent writers to a pipe never interleave below PIPE_BUF.
func (enc *Encoder) Encode(e Event) error {
	b, err := Marshal(e)
	if err != nil {
		return err
	}
	_, err = enc.w.Write(b)
	return err
}

// Marshal returns e as one NDJSON line, newline included.
func Marshal(e Event) ([]byte, error) {
	b, err := json.Marshal(e)
	if err != nil {
		return nil, fmt.Errorf("encoding event %s: %w", e.Type, err)
	}
	return append(b, '\n'), nil
}

// Decoder reads NDJSON events, one per line, validating each.
type Decoder struct {
	r    *bufio.Reader
	line int
}

// NewDecoder returns a Decoder reading from r.
func NewDecoder(r io.Reader) *Decoder {
	return &Decoder{r: bufio.NewReaderSize(r, 64<<10)}
}

// Next returns the next event. A malformed line gives a *LineError and the
// decoder stays usable; io.EOF means the stream ended.
func (d *Decoder) Next() (Event, error) {
	for {
		raw, err := d.readLine()
		if err != nil {
			return Event{}, err
		}
		d.line++
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		e, perr := Parse(raw)
		if perr != nil {
			perr.Line = d.line
			return Event{}, perr
		}
		return e, nil
	}
}

// readLine returns one line without its newline; an over-long line is
// consumed and reported as a LineError rather than buffered without bound.
func (d *Decoder) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := d.r.ReadSlice('\n')
		if len(buf)+len(chunk) > MaxLine {
			for errors.Is(err, bufio.ErrBufferFull) {
				_, err = d.r.ReadSlice('\n')
			}
			d.line++
			return nil, &LineError{Line: d.line, Err: fmt.Errorf("line longer than %d bytes", MaxLine)}
		}
		buf = append(buf, chunk...)
		switch {
		case err == nil:
			return buf[:len(buf)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && len(buf) > 0:
			return buf, nil
		default:
			return nil, err
		}
	}
}

// Parse decodes and validates one line. Line is left zero in the error.
func Parse(raw []byte) (Event, *LineError) {
	var e Event
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		le := &LineError{Err: err, Text: clip(raw)}
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			le.Field = te.Field
		}
		return Event{}, le
	}
	if dec.More() {
		return Event{}, &LineError{Err: errors.New("trailing data after the event object"), Text: clip(raw)}
	}
	if err := Validate(e); err != nil {
		return Event{}, err
	}
	return e, nil
}

// Validate checks the fields every consumer relies on.
func Validate(e Event) *LineError {
	bad := func(f, msg string) *LineError { return &LineError{Field: f, Err: errors.New(msg)} }
	switch {
	case e.Time.IsZero():
		return bad("ts", "missing")
	case e.RunID == "":
		return bad("runId", "missing")
	case e.Host == "":
		return bad("host", "missing")
	case e.Seq < 1:
		return bad("seq", fmt.Sprintf("must be >= 1, got %d", e.Seq))
	case !ValidType(e.Type):
		return bad("type", fmt.Sprintf("unknown value %q", e.Type))
	case !e.Status.Valid():
		return bad("status", fmt.Sprintf("unknown value %q", e.Status))
	case len(e.Data) > 0 && !json.Valid(e.Data):
		return bad("data", "not valid JSON")
	}
	return nil
}

func clip(b []byte) string {
	const n = 120
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}
