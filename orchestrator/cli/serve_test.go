package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeCheckConfig: --check-config validates serve.yaml and its
// playbooks without starting anything; a bad file exits 2 naming the
// file, line and field, and a secret never shows in the output.
func TestServeCheckConfig(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("staging.yaml", "domain: staging.lab.test\nhosts:\n  - name: web-1\n    address: 198.18.251.10\n")
	write("token", "tok-secret-4a1b9c")
	good := write("serve.yaml", "playbooks:\n  staging: ./staging.yaml\ntokens:\n  - name: ops\n    file: ./token\n"+
		"schedules:\n  - {name: hourly, playbook: staging, action: sweep, cron: '@hourly'}\n")
	r := ck8sctl(t, "serve", "--config", good, "--check-config")
	if r.code != ExitOK || !strings.Contains(r.stdout, "1 schedule(s)") {
		t.Fatalf("good config: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := write("bad.yaml", "playbooks:\n  staging: ./staging.yaml\nschedules:\n  - {name: hourly, playbook: staging, action: sweep, cron: 'TZ=0'}\n"+
		"tokens:\n  - name: ops\n    token: tok-secret-4a1b9c\n")
	r = ck8sctl(t, "serve", "--config", bad, "--check-config")
	out := r.stdout + r.stderr
	if r.code != ExitBadInput || !strings.Contains(out, "bad.yaml:4: schedules[0].cron") || !strings.Contains(out, "tokens[0]") {
		t.Errorf("bad config: exit %d, want 2 naming bad.yaml:4 schedules[0].cron and tokens[0]\n%s", r.code, out)
	}
	if strings.Contains(out, "tok-secret-4a1b9c") {
		t.Errorf("the inline token was printed:\n%s", out)
	}
}
