package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/agent/cli"
	"github.com/ck8s/ck8sctl/internal/event"
)

func TestSecretsInPlanNeverLeave(t *testing.T) {
	const (
		keyBody = "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"
		token   = "s3cr3t-t0ken-value"
		masked  = "ACME-4711-INTERNAL"
	)
	p := newPlan(t, "run-secrets", "facts")
	p.Labels = map[string]string{
		"sshKey": "-----BEGIN OPENSSH PRIVATE KEY-----\n" + keyBody + "\n-----END OPENSSH PRIVATE KEY-----",
		"url":    "https://registry.example/pull?token=" + token,
		"ticket": "see " + masked,
	}
	p.Mask = []string{`ACME-[0-9]+-INTERNAL`}
	o := agent(t, planJSON(t, p), "run", "--root", fixtureRoot(t))
	if o.code != cli.ExitOK {
		t.Fatalf("exit %d\n%s", o.code, o.stderr)
	}
	checkRun(t, decode(t, o.stdout))
	sinks := map[string]string{"stdout": o.stdout, "stderr": o.stderr, "journal": readJournal(t, p.StateDir, p.RunID)}
	for name, text := range sinks {
		for _, secret := range []string{keyBody, token, masked} {
			if strings.Contains(text, secret) {
				t.Errorf("%s leaks %q", name, secret)
			}
		}
	}
	if !strings.Contains(o.stdout, `"ticket":"see ***"`) {
		t.Errorf("labels not echoed masked:\n%s", o.stdout)
	}
}

func TestBadPlansExit2(t *testing.T) {
	cases := []struct{ name, plan, want string }{
		{"garbage", "this is not json", "reading plan from stdin"},
		{"empty", "", "reading plan from stdin"},
		{"protocol", `{"protocol": 7, "runId": "r9", "host": "lab-1", "steps": ["facts"]}`,
			"plan speaks protocol 7, this agent (version e2e) speaks protocol 1"},
		{"unknown step", `{"protocol": 1, "runId": "r9", "host": "lab-1", "steps": ["facts", "dsn"]}`,
			`unknown step(s) "dsn"; this agent has dns, facts, firewall, http01, listeners, manifests, metrics`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := agent(t, c.plan, "run")
			if o.code != cli.ExitUsage {
				t.Fatalf("exit %d, want %d\n%s\n%s", o.code, cli.ExitUsage, o.stdout, o.stderr)
			}
			evs := decode(t, o.stdout)
			checkRun(t, evs)
			inJSON, _ := json.Marshal(c.want) // stderr is slog JSON
			if evs[1].Type != event.TypeAgentError || !strings.Contains(evs[1].Message, c.want) || !strings.Contains(o.stderr, string(inJSON[1:len(inJSON)-1])) {
				t.Errorf("want %q in the agent.error event and on stderr:\n%s\n%s", c.want, o.stdout, o.stderr)
			}
		})
	}
}
