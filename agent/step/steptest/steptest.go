// Package steptest helps test agent steps: a Sink that records what a step
// emits, as the events the runner would number and send.
package steptest

import (
	"encoding/json"

	"github.com/ck8s/ck8sctl/internal/event"
)

// Sink records every emitted event, data marshalled as the runner does.
type Sink struct{ Events []event.Event }

// Emit implements step.Sink.
func (s *Sink) Emit(stepName, typ string, status event.Status, msg string, data any) {
	raw, _ := json.Marshal(data)
	s.Events = append(s.Events, event.Event{Step: stepName, Type: typ, Status: status, Message: msg, Data: raw})
}
