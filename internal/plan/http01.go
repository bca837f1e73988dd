package plan

import (
	"errors"
	"fmt"
	"time"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// HTTP01Plan is the http01 step's part of the plan: the ACME http-01
// rehearsal. The orchestrator picks a random token and key authorization,
// so nothing a real CA issued is ever served; the agent serves them on
// port 80 for at most Window, or reports who holds the port.
type HTTP01Plan struct {
	Domain string `json:"domain"`
	// Token is the last path segment of /.well-known/acme-challenge/;
	// Body is what the path answers (a key authorization's shape).
	Token string `json:"challenge"`
	Body  string `json:"body"`
	// Window bounds how long the agent serves; the orchestrator ends it
	// sooner once its fetches are done. The agent never waits longer.
	Window Duration `json:"window"`
	// Port is 80 except in tests.
	Port int `json:"port,omitempty"`
	// StopSecret ends the window early: the orchestrator's DELETE of the
	// challenge path carries it in HTTP01StopHeader. It is random and
	// separate from Token, which anyone who saw a fetch (or the events)
	// knows; it is in no event.
	StopSecret string `json:"stopSecret"`
}

// HTTP01StopHeader carries HTTP01Plan.StopSecret in the DELETE.
const HTTP01StopHeader = "X-Ck8s-Stop"

// MaxHTTP01Window caps Window: a rehearsal is seconds, not a server.
const MaxHTTP01Window = 5 * time.Minute

// ChallengePath is the URL path the CA fetches for token.
func ChallengePath(token string) string { return "/.well-known/acme-challenge/" + token }

func (h *HTTP01Plan) validate() error {
	switch {
	case h.Domain == "":
		return errors.New("plan field \"http01.domain\": missing")
	case len(h.Token) < 16 || !base64URL(h.Token):
		return errors.New("plan field \"http01.challenge\": want at least 16 base64url characters")
	case h.Body == "":
		return errors.New("plan field \"http01.body\": missing")
	case len(h.StopSecret) < 16 || !base64URL(h.StopSecret):
		return errors.New("plan field \"http01.stopSecret\": want at least 16 base64url characters")
	case h.Window <= 0 || time.Duration(h.Window) > MaxHTTP01Window:
		return fmt.Errorf("plan field \"http01.window\": must be in (0, %s]", MaxHTTP01Window)
	case h.Port < 0 || h.Port > 65535:
		return fmt.Errorf("plan field \"http01.port\": %d out of range", h.Port)
	}
	return nil
}

func base64URL(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// HTTP01 modes: the agent served the challenge itself, or port 80 was
// taken and the orchestrator checks what answers there instead.
const (
	HTTP01Serving  = "serving"
	HTTP01Occupied = "occupied"
)

// HTTP01Status is the data of the agent's acme.http01.serving and
// acme.http01.occupied events, which the orchestrator reacts to.
type HTTP01Status struct {
	Mode  string `json:"mode"`
	Token string `json:"challenge"`
	Path  string `json:"path"`
	Port  int    `json:"port"`
	// Listen are the sockets serving the challenge (serving mode).
	Listen []string `json:"listen,omitempty"`
	// Deadline is when the agent stops serving at the latest.
	Deadline time.Time `json:"deadline,omitzero"`
	// Owners hold the port (occupied mode), as /proc tells.
	Owners []facts.Listener `json:"owners,omitempty"`
	// Why the port counts as taken: the bind error per family.
	Why []string `json:"why,omitempty"`
}
