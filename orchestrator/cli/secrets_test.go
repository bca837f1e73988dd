package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A secret put into the plan (host labels travel in it and the facts step
// echoes them back) must reach neither the database, nor a log line, nor the
// report — whether it is caught by a built-in shape or by the playbook's own
// mask pattern.
func TestSecretsReachNoSink(t *testing.T) {
	l := newLab(t, 1)
	secrets := map[string]string{
		"token":   "token=s3cr3t-t0ken-value",
		"pem":     "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n-----END OPENSSH PRIVATE KEY-----",
		"corp":    "corp-4815162342",
		"bearer":  "Bearer abcdefghijklmnop123456",
		"passenv": "pass-from-env-9f8e7d",
	}
	extra := "    labels:\n" +
		"      apiToken: \"" + secrets["token"] + "\"\n" +
		"      deployKey: \"" + strings.ReplaceAll(secrets["pem"], "\n", `\n`) + "\"\n" +
		"      ticket: " + secrets["corp"] + "\n" +
		"      header: \"" + secrets["bearer"] + "\"\n" +
		"      note: \"uses " + secrets["passenv"] + "\"\n"
	pb := writePlaybook(t, l, l.KnownHostsFile, "mask: [\"corp-[0-9]{10}\"]\n", hostSpec{host: l.Hosts[0], extra: extra})
	db := filepath.Join(t.TempDir(), "ck8s.db")
	// The passphrase env var is masked by value wherever it shows up.
	t.Setenv(passphraseEnv, secrets["passenv"])

	r := ck8sctl(t, "--log-level", "debug", "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	ev := ck8sctl(t, "events", "--db", db, "-o", "json")
	sinks := map[string]string{"stdout": r.stdout, "logs": r.stderr, "events": ev.stdout}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, _ := os.ReadFile(db + suffix)
		sinks["db"+suffix] = string(b)
	}
	if !strings.Contains(ev.stdout, "facts.collected") || !strings.Contains(r.stdout, "apiToken") {
		t.Fatalf("the labels did not travel through the run at all; the test proves nothing:\n%s", r.stdout)
	}
	for name, secret := range secrets {
		probe := secret
		if name == "pem" {
			probe = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ"
		}
		if name == "token" {
			probe = "s3cr3t-t0ken-value"
		}
		if name == "bearer" {
			probe = "abcdefghijklmnop123456"
		}
		for sink, text := range sinks {
			if strings.Contains(text, probe) {
				t.Errorf("secret %s reached %s", name, sink)
			}
		}
	}
}
