package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"log/slog"
	"strconv"
	"strings"
	"testing"
)

// Each case is a leak found in a probe of the redactor (issue 14): the
// secret must be gone from String's output, the context kept.
func TestStringMasksKeyedValues(t *testing.T) {
	cases := []struct{ name, in, secret, keep string }{
		{"quoted with spaces", `password: "correct horse battery staple"`, "horse battery", "password:"},
		{"single quoted", `db_password: 'correct horse battery'`, "horse battery", "db_password:"},
		{"escaped quote inside", `secret="abc\"def ghi" next`, `def ghi`, "next"},
		{"plain YAML scalar with spaces", "hosts:\n  - name: a\n    passphrase: correct horse battery staple\n    user: root", "battery staple", "user: root"},
		{"keyword then quoted", `openssl ... -passin passphrase "s3cret words"`, "s3cret words", "passphrase"},
		{"JSON text with suffixed key", `{"client_secret":"cs-123456","user":"u"}`, "cs-123456", `"user":"u"`},
		{"camelCase key", `sshPassphrase=pp-9876543 ok`, "pp-9876543", "ok"},
		{"kebab key", `refresh-token: rt-7777777`, "rt-7777777", "refresh-token"},
		{"clientKeyData", `clientKeyData: c2VjcmV0LWtleS1kYXRh`, "c2VjcmV0LWtleS1kYXRh", "clientKeyData"},
		{"env JSON pair", `[{"name":"DB_PASSWORD","value":"pg-pass-4242"},{"name":"MODE","value":"prod"}]`, "pg-pass-4242", `"prod"`},
		{"env YAML pair", "env:\n- name: API_TOKEN\n  value: tok-abcdef-12\n- name: MODE\n  value: prod", "tok-abcdef-12", "value: prod"},
		{"command-line flag", "k3s agent --token s3cr3t-join-tok --server https://198.18.0.10:6443", "s3cr3t-join-tok", "--server"},
		{"escaped JSON in a string", `{\"password\":\"esc aped pw\"}`, "aped pw", `{\"password\":`},
	}
	r := Default()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := r.String(c.in)
			if strings.Contains(got, c.secret) {
				t.Errorf("String(%q) = %q: secret survived", c.in, got)
			}
			if !strings.Contains(got, c.keep) {
				t.Errorf("String(%q) = %q: lost %q", c.in, got, c.keep)
			}
		})
	}
}

func TestStringMasksTokenShapes(t *testing.T) {
	pemB64 := base64.StdEncoding.EncodeToString([]byte(pemKey))
	certB64 := base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----\n"))
	cases := []struct{ name, in, secret, keep string }{
		{"k3s server token", "K10" + strings.Repeat("ab12", 16) + "::server:9f8e7d6c5b4a39281706 joined", "9f8e7d6c5b4a39281706", "joined"},
		{"k3s node token", "token K10" + strings.Repeat("cd34", 16) + "::node:nodepass123456", "nodepass123456", "token"},
		{"base64 PEM key", "data:\n  ssh-key: " + pemB64 + "\n  other: x", pemB64[20:60], "other: x"},
		{"base64 PEM key, URL alphabet", "k=" + base64.URLEncoding.EncodeToString([]byte(pemKey)), base64.URLEncoding.EncodeToString([]byte(pemKey))[20:60], "k="},
	}
	r := Default()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := r.String(c.in)
			if strings.Contains(got, c.secret) || !strings.Contains(got, c.keep) {
				t.Errorf("String(%q) = %q: want %q masked, %q kept", c.in, got, c.secret, c.keep)
			}
		})
	}
	if got := r.String("ca: " + certB64); !strings.Contains(got, certB64) {
		t.Errorf("a base64 certificate is public and must stay: %q", got)
	}
}

func TestJSONMasksSecretKeysWhateverTheirValue(t *testing.T) {
	in := `{"db_password":"pw-aaaaaa","client_secret":["cs-bbbbbb"],"refresh_token":{"v":"rt-cccccc"},` +
		`"sshPassphrase":123456789,"clientKeyData":"kd-dddddd","api-key":"ak-eeeeee",` +
		`"env":[{"name":"PASSWORD","value":"env-ffffff"},{"key":"S3_SECRET","value":{"x":"kv-gggggg"}},{"name":"MODE","value":"prod"}],` +
		`"token_count":42,"passwordless":true,"secretName":"tls-cert","tokens_total":7,"passwordSet":false}`
	out := string(Default().JSON(json.RawMessage(in)))
	for _, s := range []string{"pw-aaaaaa", "cs-bbbbbb", "rt-cccccc", "123456789", "kd-dddddd", "ak-eeeeee", "env-ffffff", "kv-gggggg"} {
		if strings.Contains(out, s) {
			t.Errorf("JSON output leaks %s: %s", s, out)
		}
	}
	for _, s := range []string{`"token_count":42`, `"passwordless":true`, `"secretName":"tls-cert"`, `"tokens_total":7`, `"value":"prod"`, `"passwordSet":false`} {
		if !strings.Contains(out, s) {
			t.Errorf("JSON output lost %s: %s", s, out)
		}
	}
}

func TestJSONMasksKubernetesSecretData(t *testing.T) {
	in := `{"kind":"Secret","metadata":{"name":"db"},"data":{"password":"cHctaGhoaGho","host":"ZGIuZXhhbXBsZQ=="},"stringData":{"url":"x"}}`
	out := string(Default().JSON(json.RawMessage(in)))
	if strings.Contains(out, "ZGIuZXhhbXBsZQ==") || strings.Contains(out, `"url":"x"`) || !strings.Contains(out, `"host":"***"`) || !strings.Contains(out, `"name":"db"`) {
		t.Errorf("Secret data: %s, want values masked, keys and metadata kept", out)
	}
}

func TestLearnedSecretsTrimmedAndEncoded(t *testing.T) {
	tok := "kube-tok-0123456789abcdef"
	r := Default()
	r.Learn(tok+"\n", "short")
	q := strconv.Quote(tok + "\x01")
	j, _ := json.Marshal(`"` + tok + `"`)
	for _, in := range []string{
		"token file says " + tok + " ok",
		"quoted " + q,
		"json " + string(j),
		"b64 " + base64.StdEncoding.EncodeToString([]byte(tok)),
		"b64url " + base64.URLEncoding.EncodeToString([]byte(tok+"?>")),
		"inside " + base64.StdEncoding.EncodeToString([]byte("apiVersion: v1\ntoken: "+tok+"\n")),
	} {
		got := r.String(in)
		if strings.Contains(got, tok) || strings.Contains(got, base64.StdEncoding.EncodeToString([]byte(tok))[:12]) {
			t.Errorf("String(%q) = %q: learned secret survived", in, got)
		}
	}
	if got := r.String("a short word"); got != "a short word" {
		t.Errorf("a learned value under MinLiteral must be ignored: %q", got)
	}
}

func TestHandlerMasksSecretKeysOfAnyKind(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(Default().Handler(slog.NewJSONHandler(&buf, nil)))
	type creds struct {
		User     string `json:"user"`
		Password string `json:"password"`
	}
	log.Info("x", "db_password", "pw-iiiiii", "sshPassphrase", 987654321, "client_secret", []string{"cs-jjjjjj"},
		"creds", creds{"admin", "pw-kkkkkk"}, "token_count", 3, slog.Group("api_token", "v", "g-llllll"))
	out := buf.String()
	for _, s := range []string{"pw-iiiiii", "987654321", "cs-jjjjjj", "pw-kkkkkk", "g-llllll"} {
		if strings.Contains(out, s) {
			t.Errorf("log line leaks %s: %s", s, out)
		}
	}
	if !strings.Contains(out, `"token_count":3`) || !strings.Contains(out, `admin`) {
		t.Errorf("log line lost plain attrs: %s", out)
	}
}

func TestNoFalsePositives(t *testing.T) {
	r := Default()
	for _, s := range []string{
		"tokens", "password policy updated", "token budget exceeded", "tokens used 42",
		"manifest sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 applied",
		"lab-1.example.test:443 and 198.18.0.11:22, port 6443 open",
		"token_count=5 passwordless=true secretName: tls-cert",
		"secretRef: {name: db}", "the secret is set", "keys: 3",
	} {
		if got := r.String(s); got != s {
			t.Errorf("String(%q) = %q, want unchanged", s, got)
		}
	}
}

// The redactor looks only around trigger words; a long line or value must
// still be masked whole.
func TestLongLinesAndValues(t *testing.T) {
	long := strings.Repeat("Zx9", 400)
	pad := strings.Repeat("plain words here ", 40)
	r := Default()
	for _, in := range []string{
		pad + "token=" + long + " end",
		"passphrase: " + pad + long,
		pad + `password: "` + pad + long + `"`,
		pad + "\n" + pad + "api_key: '" + long + "'\n" + pad,
	} {
		got := r.String(in)
		if strings.Contains(got, "Zx9") {
			t.Errorf("long value not masked whole: ...%s", got[max(0, len(got)-200):])
		}
	}
	if in := pad + "tokens: 3"; r.String(in) != in {
		t.Errorf("long line changed: %q", r.String(in))
	}
}

func TestUnterminatedQuoteMaskedToLineEnd(t *testing.T) {
	got := Default().String("password: \"abc def\nnext line")
	if strings.Contains(got, "abc") || !strings.Contains(got, "next line") {
		t.Errorf("got %q", got)
	}
}

// A drift diff from the agent already holds masks; masking them again
// would make a changed Secret entry read the same before and after.
func TestMasksAreKept(t *testing.T) {
	in := "data:\n-  password: '*** (before)'\n+  password: '*** (after)'\n   user: '***'\n token=*** ok"
	if got := Default().String(in); got != in {
		t.Errorf("String(%q) = %q, want unchanged", in, got)
	}
	if got := Default().String("password: '*** (before) hunter2'"); strings.Contains(got, "hunter2") {
		t.Errorf("a value that only starts like a mask must be masked: %q", got)
	}
}
