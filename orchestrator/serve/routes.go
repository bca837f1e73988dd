package serve

import (
	"context"
	"net/http"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/serve/api"
	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/serve/webhook"
)

// routes is the daemon's one HTTP handler.
func (s *Server) routes() (http.Handler, error) {
	mux := http.NewServeMux()
	hooks, err := webhook.NewHandler(s.hooks(), &hookQueue{s: s}, s.metrics, s.log.With("component", "webhook"), nil)
	if err != nil {
		return nil, err
	}
	mux.Handle(webhook.PathPrefix, hooks)
	auth := api.NewAuth(s.tokens())
	api.Mount(mux, api.Options{Source: s.db, Enqueue: s.queue, Validate: s.env.Validate, Auth: auth,
		Log: s.log.With("component", "api"), Stopping: s.stopping})
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metrics.Handler())
	if err := s.mountPages(mux, auth); err != nil {
		return nil, err
	}
	if err := s.mountRiverUI(mux, auth); err != nil {
		return nil, err
	}
	return mux, nil
}

func (s *Server) hooks() []webhook.Hook {
	out := make([]webhook.Hook, 0, len(s.cfg.Webhooks))
	for _, w := range s.cfg.Webhooks {
		out = append(out, webhook.Hook{Name: w.Name, Scheme: webhook.Scheme(w.Scheme), Secret: w.Secret.Bytes(),
			Window: w.Window, MaxBody: w.MaxBody, PerMinute: w.PerMinute, Burst: w.Burst})
	}
	return out
}

func (s *Server) tokens() []api.Token {
	out := make([]api.Token, 0, len(s.cfg.Tokens))
	for _, t := range s.cfg.Tokens {
		out = append(out, api.Token{Name: t.Name, Secret: t.Secret.Bytes()})
	}
	return out
}

// hookQueue queues a verified delivery as its hook's run.
type hookQueue struct{ s *Server }

// enqueueTimeout bounds a delivery's transaction: GitHub gives up after
// 10 s, and an answer after that is an answer nobody reads; until then a
// burst queues behind the single SQLite writer.
const enqueueTimeout = 9 * time.Second

func (h *hookQueue) Enqueue(ctx context.Context, d webhook.Delivery) (string, bool, error) {
	ctx, cancel := context.WithTimeout(ctx, enqueueTimeout)
	defer cancel()
	for _, w := range h.s.cfg.Webhooks {
		if w.Name == d.Hook {
			info := &jobs.WebhookInfo{Hook: d.Hook, Delivery: d.ID, Event: d.Event, Ref: d.Payload.Ref,
				Commit: d.Payload.Commit, Repository: d.Payload.Repository, Sender: d.Payload.Sender}
			return h.s.queue.Enqueue(ctx, jobs.RunArgs{Action: w.Action, Playbook: w.Playbook, Limit: w.Limit,
				Trigger: "webhook:" + w.Name, Webhook: info}, &jobs.Delivery{Hook: d.Hook, ID: d.ID})
		}
	}
	return "", false, errUnknownHook
}
