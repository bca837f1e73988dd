package run

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"regexp/syntax"

	"github.com/ck8s/ck8sctl/agent/journal"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// maxPlan bounds the plan read from stdin.
const maxPlan = 16 << 20

// hostRE accepts what may name a host in a refusal: a name or an address
// of at most 253 bytes (checked apart: see journal's runIDRE), nothing
// that could carry a secret from a garbled plan.
var hostRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)

// ids is what a plan says about itself even when it is bad, so that the
// refusal can still be addressed to its run and host.
type ids struct{ runID, host string }

// readPlan reads one JSON plan from stdin; stdin need not be closed after
// it. The protocol is checked before the strict decode, so that a plan from
// a newer orchestrator (with fields this agent does not know) is refused
// for its protocol, which is the real reason.
func readPlan(stdin io.Reader, agentVersion string) (*plan.Plan, ids, error) {
	var raw json.RawMessage
	if err := json.NewDecoder(io.LimitReader(stdin, maxPlan)).Decode(&raw); err != nil {
		return nil, ids{}, fmt.Errorf("reading plan from stdin: %w", err)
	}
	var head struct {
		Protocol *int   `json:"protocol"`
		RunID    string `json:"runId"`
		Host     string `json:"host"`
	}
	_ = json.Unmarshal(raw, &head) // best effort: only to address the reply
	var id ids
	if len(head.Host) <= 253 && hostRE.MatchString(head.Host) {
		id.host = head.Host
	}
	if journal.ValidRunID(head.RunID) == nil {
		id.runID = head.RunID
	}
	if head.Protocol != nil && *head.Protocol != event.Protocol {
		return nil, id, fmt.Errorf("plan speaks protocol %d, this agent (version %s) speaks protocol %d; upload the agent built with this orchestrator: %w",
			*head.Protocol, agentVersion, event.Protocol, plan.ErrProtocol)
	}
	p, err := plan.Decode(bytes.NewReader(raw))
	if err != nil {
		return nil, id, err
	}
	if err := journal.ValidRunID(p.RunID); err != nil {
		return nil, id, fmt.Errorf("plan field \"runId\": %w", err)
	}
	return p, id, checkMasks(p.Mask)
}

// checkMasks compiles the mask patterns and reports a bad one by index and
// reason only: the pattern itself may spell out the secret it is there to
// hide.
func checkMasks(masks []string) error {
	for i, m := range masks {
		_, err := regexp.Compile(m)
		if err == nil {
			continue
		}
		reason := "invalid"
		var se *syntax.Error
		if errors.As(err, &se) {
			reason = string(se.Code)
		}
		return fmt.Errorf("plan field \"mask\"[%d]: not a regular expression: %s", i, reason)
	}
	return nil
}
