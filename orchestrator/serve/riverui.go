package serve

import (
	"fmt"
	"net/http"

	"riverqueue.com/riverui"

	"github.com/ck8s/ck8sctl/orchestrator/serve/api"
)

// RiverUIPrefix is where River's own web UI (queues, jobs, their errors)
// is served.
const RiverUIPrefix = "/riverui"

// mountRiverUI serves River's UI behind the API tokens. riverui has no
// auth of its own and its API cancels, deletes and retries jobs, so every
// path under the prefix goes through Require; the status page's cookie
// (Path "/", SameSite strict) signs a browser in here too, and a
// cross-site form cannot carry it.
func (s *Server) mountRiverUI(mux *http.ServeMux, auth *api.Auth) error {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: s.client.UIEndpoints(),
		Logger:    s.log.With("component", "riverui"),
		Prefix:    RiverUIPrefix,
	})
	if err != nil {
		return fmt.Errorf("building River's UI: %w", err)
	}
	s.riverUI = h
	mux.Handle(RiverUIPrefix+"/", auth.Require(h))
	return nil
}
