package run

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/agent/journal"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
)

// emitter numbers, redacts and writes the events of one run: first to the
// journal (so it is never behind), then to stdout. One mutex keeps seq
// contiguous and both sinks in the same order, whichever goroutine emits.
type emitter struct {
	runID, host string
	red         *redact.Redactor
	now         func() time.Time
	journal     *journal.Writer // nil before the journal exists
	out         io.Writer
	log         *slog.Logger

	mu      sync.Mutex
	seq     int64
	jfailed bool
}

// syncAfter lists the events after which the journal is fsynced: the step
// boundaries and the end, where a reconnecting orchestrator resumes.
var syncAfter = map[string]bool{
	event.TypeBootstrapStarted:  true,
	event.TypeStepStarted:       true,
	event.TypeStepFinished:      true,
	event.TypeBootstrapFinished: true,
	event.TypeAgentError:        true,
	event.TypeLockWaiting:       true,
}

// Emit implements step.Sink.
func (em *emitter) Emit(stepName, typ string, status event.Status, message string, data any) {
	raw, err := marshalData(data)
	if err != nil {
		em.log.Error("event data not encodable", "step", stepName, "type", typ, "err", err)
		message, raw = fmt.Sprintf("%s (data dropped: %v)", message, err), nil
	}
	em.mu.Lock()
	defer em.mu.Unlock()
	em.seq++
	e := event.Event{
		Time: em.now().UTC(), RunID: em.runID, Host: em.host, Seq: em.seq,
		Type: typ, Step: stepName, Status: status, Message: message, Data: raw,
	}
	if lerr := event.Validate(e); lerr != nil {
		// A step bug; report it rather than write a line consumers reject.
		em.log.Error("invalid event", "step", stepName, "type", typ, "err", lerr)
		e.Type, e.Status, e.Data = event.TypeAgentError, event.StatusFailed, nil
		e.Message = fmt.Sprintf("invalid %q event: %v: %s", typ, lerr, message)
	}
	line, err := event.Marshal(em.red.Event(e))
	if err != nil {
		em.log.Error("event not encodable", "step", stepName, "type", typ, "err", err)
		return
	}
	em.toJournal(line, syncAfter[e.Type])
	em.out.Write(line) // best effort; see lineWriter
}

// Learn implements step.SecretSink. The redactor is shared with the run's
// logger, so log lines are masked too.
func (em *emitter) Learn(values ...string) { em.red.Learn(values...) }

func (em *emitter) toJournal(line []byte, sync bool) {
	if em.journal == nil {
		return
	}
	err := em.journal.Append(line)
	if err == nil && sync {
		err = em.journal.Sync()
	}
	if err != nil && !em.jfailed {
		em.jfailed = true // once: a full disk would otherwise log every event
		em.log.Error("journal write failed; events now only on stdout", "err", err)
	}
}

func marshalData(data any) (json.RawMessage, error) {
	switch d := data.(type) {
	case nil:
		return nil, nil
	case json.RawMessage:
		return d, nil
	}
	return json.Marshal(data)
}
