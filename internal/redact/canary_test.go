package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// canary is ten secrets, each planted in a shape a probe found leaking,
// and the text they are planted in. learned are the ones the run knows by
// value (a token file, a passphrase it was given).
type canary struct {
	secrets, learned []string
	texts            []string
}

func newCanary() canary {
	pem := strings.Replace(pemKey, "b3Bl", "Y2Fu", 1) // a key of its own
	s := []string{
		"canary one horse battery",          // YAML plain scalar with spaces
		pem,                                 // base64 PEM in a kubeconfig
		"kc-token-2b7e151628aed2a6abf71588", // kubeconfig token
		"envpass-3c4d5e6f7a8b",              // Kubernetes env entry
		"K10" + strings.Repeat("0f1e2d3c", 8) + "::server:k3s-5a6b7c8d9e0f", // k3s join token
		"urlpass-6e7f8091a2",             // URL userinfo
		"canary seven quoted passphrase", // keyword then quoted value
		"tokfile-8f9e0d1c2b3a4f5e",       // learned with its newline
		`js"on\se<cret>&9-aa`,            // learned, JSON-escaped
		"pct\tq-wört-10\x01",             // learned, %q-escaped
	}
	texts := []string{
		"hosts:\n  - name: lab-1\n    address: 198.18.0.11\nssh:\n  passphrase: " + s[0] + "\n  user: root\n",
		"apiVersion: v1\nusers:\n- name: admin\n  user:\n    client-key-data: " + base64.StdEncoding.EncodeToString([]byte(s[1])) +
			"\n    token: " + s[2] + "\n",
		`{"spec":{"containers":[{"env":[{"name":"DB_PASSWORD","value":"` + s[3] + `"},{"name":"MODE","value":"prod"}]}]}}`,
		"k3s agent failed: K3S_URL=https://198.18.0.10:6443 joining with " + s[4] + ": connection refused",
		"dial postgres://app:" + s[5] + "@198.18.0.12:5432/app: timeout",
		`ssh-keygen -p -P passphrase "` + s[6] + `" failed`,
		"reading /var/lib/rancher/token: " + s[7] + "\nencoded " + base64.StdEncoding.EncodeToString([]byte(s[7])) +
			" url " + base64.URLEncoding.EncodeToString([]byte(s[7]+"\n")),
		"webhook body " + mustJSON(map[string]string{"note": s[8]}),
		fmt.Sprintf("unexpected value %q in /etc/ck8s/x", s[9]),
	}
	return canary{secrets: s, learned: []string{s[7] + "\n", s[8], s[9]}, texts: texts}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// outputs runs every text through the redactor's four paths: String,
// JSON (as values, and as the JSON document itself when it is one),
// Event, and slog through both built-in handlers.
func (c canary) outputs(r *Redactor) []string {
	var out []string
	all := strings.Join(c.texts, "\n")
	out = append(out, r.String(all))
	for _, t := range c.texts {
		out = append(out, r.String(t))
		out = append(out, string(r.JSON(json.RawMessage(mustJSON(map[string]any{"msg": t, "lines": strings.Split(t, "\n")})))))
		if json.Valid([]byte(t)) {
			out = append(out, string(r.JSON(json.RawMessage(t))))
		}
		e := r.Event(event.Event{Time: time.Now(), Message: t, Data: json.RawMessage(mustJSON(map[string]string{"stderr": t}))})
		out = append(out, e.Message, string(e.Data))
		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewJSONHandler(&buf, nil), slog.NewTextHandler(&buf, nil)} {
			log := slog.New(r.Handler(h))
			log.Error(t, "out", t, "err", errors.New(t), slog.Group("g", "detail", t))
		}
		out = append(out, buf.String())
	}
	return out
}

func TestCanaryNoSecretInAnyEncoding(t *testing.T) {
	c := newCanary()
	r := Default()
	r.Learn(c.learned...)
	outs := c.outputs(r)
	for i, o := range outs {
		for _, leak := range Leaks(o, c.secrets...) {
			t.Errorf("output %d leaks %s:\n%s", i, leak, o)
		}
	}
	// The canary is planted: without the redactor, every secret shows.
	for i := range c.secrets {
		if len(Leaks(strings.Join(c.texts, "\n"), c.secrets[i])) == 0 {
			t.Errorf("secret #%d is not planted in any text", i)
		}
	}
}

func TestEncodingsAndLeaks(t *testing.T) {
	s := `a"b\c<d>é` + "\t"
	enc := Encodings(s)
	for _, want := range []string{s, `a\"b\\c\u003cd\u003eé\t`, `a\"b\\c<d>é\t`, `a\"b\\c<d>\u00e9\t`, base64.StdEncoding.EncodeToString([]byte(s)), base64.RawURLEncoding.EncodeToString([]byte(s))} {
		found := false
		for _, e := range enc {
			found = found || e == want
		}
		if !found {
			t.Errorf("Encodings(%q) = %q: missing %q", s, enc, want)
		}
	}
	got := Leaks("x "+base64.URLEncoding.EncodeToString([]byte(s))+" y", "other-secret", s)
	if len(got) != 1 || !strings.Contains(got[0], "secret #1") || strings.Contains(got[0], s) {
		t.Errorf("Leaks = %q, want one leak of secret #1 that does not quote it", got)
	}
}
