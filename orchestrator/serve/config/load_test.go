package config

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/action"
)

// full sets every key; its secrets are fileSecret (tokens/ops) and
// envSecret (the hook's environment variable).
const full = `listen: "[::1]:0"
tls: {cert: tls/tls.crt, key: tls/tls.key}
db: state/serve.db
ssh: {config: none, acceptNewHostKeys: true, connectTimeout: 3s, lockWait: 0s, forks: 4}
grace: 30s
retention: 0s
runTimeout: 45m
playbooks:
  staging: staging.yaml
  prod: ./staging.yaml
tokens:
  - {name: ops, file: tokens/ops}
  - {name: ci, env: CK8S_TEST_HOOK}
schedules:
  - name: hourly-sweep
    playbook: staging
    action: sweep
    cron: "@hourly"
    splay: 5m
    limit: "web-*:&role=web"
    timeout: 30m
  - {name: nightly, playbook: prod, action: harden, cron: "CRON_TZ=Europe/Berlin 30 2 * * *"}
webhooks:
  - {name: deploy, playbook: staging, action: harden, limit: "", scheme: github, secret: {file: tokens/ops}}
  - name: sweep-now
    playbook: prod
    action: sweep
    scheme: generic
    secret: {env: CK8S_TEST_HOOK}
    window: 1m
    maxBody: 512KiB
    rate: {perMinute: 6, burst: 2}
`

func loadFull(t *testing.T) *Config {
	t.Helper()
	path := fixture(t, full)
	dir := filepath.Dir(path)
	write(t, dir, "tokens/ops", fileSecret+"\n", 0o600)
	keyPair(t, dir)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// june is a day far from any daylight saving change.
var june = time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)

func TestLoadFull(t *testing.T) {
	c := loadFull(t)
	dir := filepath.Dir(c.Path)
	if c.Listen != "[::1]:0" || c.DB != filepath.Join(dir, "state/serve.db") || c.Grace != 30*time.Second || c.Retention != 0 || c.RunTimeout != 45*time.Minute {
		t.Errorf("top level: %+v", c)
	}
	if c.TLS == nil || c.TLS.Cert != filepath.Join(dir, "tls/tls.crt") || c.TLS.Key != filepath.Join(dir, "tls/tls.key") {
		t.Errorf("tls: %+v", c.TLS)
	}
	if want := (SSH{ConfigFile: "none", AcceptNewHostKeys: true, ConnectTimeout: 3 * time.Second, Forks: 4}); c.SSH != want {
		t.Errorf("ssh: %+v, want %+v", c.SSH, want)
	}
	if !slices.Equal(c.PlaybookNames, []string{"staging", "prod"}) || len(c.Playbooks["prod"].Hosts) != 3 {
		t.Errorf("playbooks: %v %v", c.PlaybookNames, c.Playbooks)
	}
	if len(c.Tokens) != 2 || !c.Tokens[0].Secret.Equal([]byte(fileSecret)) || !c.Tokens[1].Secret.Equal([]byte(envSecret)) {
		t.Errorf("tokens: %v (file's final newline must be dropped)", c.Tokens)
	}
	s := c.Schedules[0]
	if s.Name != "hourly-sweep" || s.Playbook != "staging" || s.Action != action.Sweep || s.Splay != 5*time.Minute ||
		s.Timeout != 30*time.Minute || s.Limit != "web-*:&role=web" || s.Period(june) != time.Hour {
		t.Errorf("schedule: %+v", s)
	}
	if n := c.Schedules[1]; n.Action != action.Harden || n.Splay != 0 || n.Timeout != 0 || n.Period(june) != 24*time.Hour {
		t.Errorf("schedule defaults: %+v", n)
	}
	w := c.Webhooks[0]
	if w.Scheme != SchemeGitHub || w.Limit != "" || w.Window != DefaultWindow || w.MaxBody != 1<<20 || w.PerMinute != 60 || w.Burst != 10 {
		t.Errorf("webhook defaults: %+v", w)
	}
	w = c.Webhooks[1]
	if w.Window != time.Minute || w.MaxBody != 512<<10 || w.PerMinute != 6 || w.Burst != 2 || !w.Secret.Equal([]byte(envSecret)) {
		t.Errorf("webhook: %+v", w)
	}
	if got := c.Secrets(); !slices.Equal(got, []string{fileSecret, envSecret}) {
		t.Errorf("Secrets() = %d values, want the two, once each", len(got))
	}
}

// The least a configuration needs: one playbook; everything else defaults.
func TestLoadDefaults(t *testing.T) {
	c, err := Load(fixture(t, base))
	if err != nil {
		t.Fatal(err)
	}
	want := SSH{ConnectTimeout: 10 * time.Second, LockWait: 2 * time.Minute, Forks: 20}
	if c.Listen != "127.0.0.1:9480" || c.TLS != nil || c.DB != "" || c.SSH != want ||
		c.Grace != 2*time.Minute || c.Retention != 720*time.Hour || c.RunTimeout != 0 || len(c.Tokens)+len(c.Schedules)+len(c.Webhooks) != 0 {
		t.Errorf("defaults: %+v", c)
	}
}

// A PostgreSQL URL is kept as it is (not made a path): the replicas' store.
func TestLoadPostgres(t *testing.T) {
	const url = "postgres://ck8s@db.internal:5432/ck8s?sslmode=verify-full"
	c, err := Load(fixture(t, base+"db: "+url+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if c.DB != url {
		t.Errorf("db = %q, want %q", c.DB, url)
	}
}

// The example in deploy/ loads, installed as it says: next to a playbook,
// its token and hook secrets, its key pair and environment variables.
func TestExample(t *testing.T) {
	example, err := os.ReadFile("../../../deploy/serve/serve.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	staging, err := os.ReadFile("../../../playbooks/staging.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := write(t, dir, "serve.yaml", string(example), 0o644)
	write(t, dir, "staging.yaml", string(staging), 0o644)
	write(t, dir, "tokens/ops", "ops-token", 0o600)
	write(t, dir, "hooks/deploy", "deploy-secret", 0o400)
	keyPair(t, dir)
	t.Setenv("CK8S_TOKEN_CI", "ci-token")
	t.Setenv("CK8S_HOOK_SWEEP", "sweep-secret")
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Tokens) != 2 || len(c.Schedules) != 2 || len(c.Webhooks) != 2 || c.TLS == nil {
		t.Errorf("example did not load every section: %+v", c)
	}
}

func TestLoadUnreadable(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "serve.yaml"))
	if err == nil {
		t.Fatal("no error")
	}
	if got, want := filepath.Base(err.Error()), "serve.yaml: cannot read configuration: no such file or directory"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
