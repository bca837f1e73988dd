package config

import (
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/action"
)

// Webhook schemes: how a delivery proves it knows the secret.
const (
	SchemeGitHub  = "github"  // X-Hub-Signature-256: HMAC-SHA256 of the body
	SchemeGeneric = "generic" // HMAC over a timestamp and the body, within Window
)

var (
	schemes     = []string{SchemeGitHub, SchemeGeneric}
	webhookKeys = []string{"name", "playbook", "action", "limit", "scheme", "secret", "window", "maxBody", "rate"}
	rateKeys    = []string{"perMinute", "burst"}
)

// Webhook runs an action when a signed POST /v1/hooks/NAME arrives.
type Webhook struct {
	Name      string
	Playbook  string
	Action    action.Name
	Limit     string
	Scheme    string // SchemeGitHub or SchemeGeneric
	Secret    Secret
	Window    time.Duration // generic: how old a signed timestamp may be
	MaxBody   int64         // bytes, in [1, MaxMaxBody]
	PerMinute int           // sustained deliveries a minute, >= 1
	Burst     int           // deliveries at once, >= 1
}

func (d *decoder) webhooks(n *yaml.Node, c *Config) []Webhook {
	return items(d, n, "webhooks", c, d.webhook)
}

func (d *decoder) webhook(item *yaml.Node, path string, c *Config, seen names) (Webhook, bool) {
	m, ok := d.section(item, path, webhookKeys...)
	if !ok {
		return Webhook{}, false
	}
	before := len(d.errs)
	w := Webhook{Name: d.name(m, item, path, "webhook", seen), Window: DefaultWindow,
		MaxBody: DefaultMaxBody, PerMinute: DefaultPerMinute, Burst: DefaultBurst}
	t := d.target(m, item, path, c)
	w.Playbook, w.Action, w.Limit = t.Playbook, t.Action, t.Limit
	w.Scheme = d.scheme(m["scheme"], item, yamlnode.At(path, "scheme"))
	w.Secret = d.webhookSecret(m["secret"], item, yamlnode.At(path, "secret"))
	if v := m["window"]; v != nil && w.Scheme == SchemeGitHub {
		d.errorf(yamlnode.Resolve(v).Line, yamlnode.At(path, "window"), "applies to scheme generic only: GitHub signs no timestamp")
	}
	w.Window = d.positive(m["window"], yamlnode.At(path, "window"), w.Window)
	if v := m["maxBody"]; v != nil {
		w.MaxBody = d.size(v, yamlnode.At(path, "maxBody"), w.MaxBody)
	}
	rm, _ := d.section(m["rate"], yamlnode.At(path, "rate"), rateKeys...)
	if v := rm["perMinute"]; v != nil {
		w.PerMinute = d.atLeast(v, yamlnode.At(path, "rate.perMinute"), 1, w.PerMinute)
	}
	if v := rm["burst"]; v != nil {
		w.Burst = d.atLeast(v, yamlnode.At(path, "rate.burst"), 1, w.Burst)
	}
	return w, len(d.errs) == before
}

func (d *decoder) scheme(n, item *yaml.Node, path string) string {
	if n == nil {
		d.errorf(yamlnode.Resolve(item).Line, path, "required: %s or %s", SchemeGitHub, SchemeGeneric)
		return ""
	}
	s, ok := d.Str(n, path)
	if ok && s != SchemeGitHub && s != SchemeGeneric {
		d.errorf(yamlnode.Resolve(n).Line, path, "unknown scheme %q%s", s, oneOf(s, schemes))
		return ""
	}
	return s
}

// webhookSecret reads secret: {file: PATH} or {env: VAR}.
func (d *decoder) webhookSecret(n, item *yaml.Node, path string) Secret {
	const want = "a mapping {file: PATH} or {env: VAR}"
	if n == nil {
		d.errorf(yamlnode.Resolve(item).Line, path, "required: %s", want)
		return Secret{}
	}
	if !d.mappingOnly(n, path, want) {
		return Secret{}
	}
	m, _ := d.sectionWith(n, path, secretKeys, secretUnknown(secretKeys))
	s, _ := d.secret(m, yamlnode.Resolve(n).Line, path)
	return s
}
