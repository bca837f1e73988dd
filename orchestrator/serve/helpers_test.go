package serve_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/serve"
	"github.com/ck8s/ck8sctl/orchestrator/serve/config"
	"github.com/ck8s/ck8sctl/orchestrator/serve/webhook"
)

// Secrets the tests plant; none may reach a log line or the store.
const (
	hookSecret = "hook-secret-5d1e9a"
	apiToken   = "api-token-0c7f42"
)

// offlinePlaybook names hosts in the benchmarking range that no test
// brings up: runs queued against it are never worked in these tests.
const offlinePlaybook = `domain: staging.lab.test
hosts:
  - name: web-1
    address: 198.18.251.10
  - name: web-2
    address: 198.18.251.11
`

// writeConfig writes serve.yaml (with extra appended) beside a playbook
// and the secret files, and loads it.
func writeConfig(t testing.TB, playbook, extra string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{"staging.yaml": playbook, "hook": hookSecret, "token": apiToken} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	yaml := `listen: 127.0.0.1:0
grace: 30s
playbooks:
  staging: ./staging.yaml
tokens:
  - name: ops
    file: ./token
webhooks:
  - name: deploy
    playbook: staging
    action: sweep
    scheme: generic
    secret: {file: ./hook}
    rate: {perMinute: 100000, burst: 100000}
` + extra
	p := filepath.Join(dir, "serve.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(p)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// newServer builds a daemon on a fresh store, its log captured in logs.
// Its River client is not started unless the test calls Run.
func newServer(t testing.TB, cfg *config.Config, logs io.Writer) (*serve.Server, string) {
	t.Helper()
	db := filepath.Join(t.TempDir(), "serve.db")
	srv, err := serve.New(t.Context(), cfg, serve.Options{DB: db, Log: slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	return srv, db
}

// signed is a generic-scheme delivery of body, with delivery id.
func signed(t testing.TB, url, id, body, secret string, at time.Time) *http.Request {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	ts := strconv.FormatInt(at.Unix(), 10)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, webhook.SignGeneric([]byte(secret), []byte(body), ts))
	if id != "" {
		req.Header.Set(webhook.HeaderDelivery, id)
	}
	return req
}

// running serves srv on loopback until the test ends.
func running(t *testing.T, srv *serve.Server) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ts := httptest.NewUnstartedServer(nil)
	ln := ts.Listener // a loopback listener httptest opened
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return fmt.Sprintf("http://%s", ln.Addr())
}
