package bootstrap

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
)

// Sink receives each new event of a run, in sequence order, exactly once,
// as the agent sent it: the agent masked it, and the orchestrator's
// recorder (phase.Recorder) masks it again before anything stores, shows
// or acts on it. Masking here as well did the same work twice per event.
type Sink func(event.Event) error

// stream tracks what has been received from one host for one run, across
// the agent's live stdout and any journal replays after a reconnect.
type stream struct {
	runID, host string
	redact      *redact.Redactor
	sink        Sink
	last        int64 // highest contiguous seq delivered
	final       *event.Event
	invalid     []error
	dropAfter   int // test hook: return errDropped after this many events (0: never)
	seen        int
}

var errDropped = errors.New("connection dropped by test hook")

// consume decodes r until EOF. Malformed lines and events of other runs are
// recorded as invalid and skipped: garbage on the agent's stdout (a motd, a
// shell profile's echo) must never crash the run or be stored.
func (s *stream) consume(r io.Reader) error {
	dec := event.NewDecoder(r)
	for {
		e, err := dec.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		var le *event.LineError
		if errors.As(err, &le) {
			s.invalid = append(s.invalid, errors.New(s.redact.String(le.Error())))
			continue
		}
		if err != nil {
			return err
		}
		if err := s.accept(e); err != nil {
			return err
		}
		if s.dropAfter > 0 && s.seen >= s.dropAfter {
			s.dropAfter = 0
			return errDropped
		}
	}
}

func (s *stream) accept(e event.Event) error {
	switch {
	case e.RunID != s.runID || e.Host != s.host:
		s.invalid = append(s.invalid, fmt.Errorf("event seq %d belongs to run %s host %s, not run %s host %s", e.Seq, e.RunID, e.Host, s.runID, s.host))
		return nil
	case e.Seq <= s.last:
		return nil // already delivered: a replay overlaps the live stream
	case e.Seq != s.last+1:
		// A gap means lines were lost in transit; the journal replay from
		// s.last fills it, so stop reading this stream here.
		return fmt.Errorf("event seq %d after %d: %w", e.Seq, s.last, errGap)
	}
	if e.Type == event.TypeHello {
		var h event.Hello
		if err := json.Unmarshal(e.Data, &h); err != nil || h.Protocol != event.Protocol {
			return fmt.Errorf("%w: the agent speaks protocol %d, this ck8sctl speaks %d (data %s)", ErrProtocol, h.Protocol, event.Protocol, e.Data)
		}
	}
	if err := s.sink(e); err != nil {
		return fmt.Errorf("recording event %d: %w", e.Seq, err)
	}
	s.last = e.Seq
	s.seen++
	if e.Final() {
		s.final = &e
	}
	return nil
}

var errGap = errors.New("gap in event sequence")

// ErrProtocol means the agent on the host speaks another protocol version.
// Not retryable: the agent and ck8sctl come from different builds.
var ErrProtocol = errors.New("agent protocol mismatch")
