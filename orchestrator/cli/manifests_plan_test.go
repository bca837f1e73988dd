package cli

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// TestManifestsTurnOnTheirChecks: a playbook with a manifests section gets,
// in bootstrap and without asking, the http-01 rehearsal before the
// manifests step (which waits for its verdict) and the TLS check after
// it; a staging issuer's untrusted chain is a warning, a production
// issuer's staging certificate a failure. harden (no DNS preflight)
// leaves all three out. The plan carries exactly what render prints.
func TestManifestsTurnOnTheirChecks(t *testing.T) {
	dir := t.TempDir()
	load := func(production bool) *runOpts {
		t.Helper()
		doc := "domain: staging.lab.test\nhosts:\n  - name: lab-1\n    address: 198.18.250.11\n" +
			"manifests:\n  certManager: {version: v1.21.2}\n  acme:\n    email: ops@lab.test\n"
		if production {
			doc += "    production: true\n"
		}
		doc += "  ingress: {service: web}\n"
		p := filepath.Join(dir, "playbook.yaml")
		if err := os.WriteFile(p, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		pb, err := playbook.Load(p)
		if err != nil {
			t.Fatal(err)
		}
		return &runOpts{pb: pb, hosts: pb.Hosts}
	}
	o := load(false)
	rehearsal, steps, err := http01Rehearsal(o, agentSteps)
	if err != nil || rehearsal == nil {
		t.Fatalf("rehearsal %v, %v", rehearsal, err)
	}
	mp, steps, err := manifestsPlan(o, steps)
	if err != nil || mp == nil {
		t.Fatalf("manifests plan %v, %v", mp, err)
	}
	if want := []string{"dns", "facts", "firewall", "http01", "manifests", "metrics", "listeners"}; !slices.Equal(steps, want) {
		t.Errorf("steps %v, want %v", steps, want)
	}
	if mp.Issuer != "letsencrypt-staging" || mp.Certificate.Namespace != "default" || mp.Certificate.Name != "staging" || len(mp.Objects) < 5 {
		t.Errorf("plan %+v", mp)
	}
	p := &plan.Plan{Protocol: event.Protocol, RunID: "r", Host: "lab-1", Steps: steps, Manifests: mp}
	if err := p.Validate(); err != nil {
		t.Errorf("plan does not validate: %v", err)
	}
	ph, err := tlsPhase(o, true)
	if err != nil || ph.Addrs == nil || !ph.Config.StagingUntrusted || ph.Config.RejectStaging {
		t.Errorf("staging: TLS phase %+v, %v", ph.Config, err)
	}
	ph, err = tlsPhase(load(true), true)
	if err != nil || ph.Addrs == nil || ph.Config.StagingUntrusted || !ph.Config.RejectStaging {
		t.Errorf("production: TLS phase %+v, %v", ph.Config, err)
	}

	harden := []string{"firewall", "listeners"}
	if r, s, _ := http01Rehearsal(o, harden); r != nil || !slices.Equal(s, harden) {
		t.Errorf("harden rehearses: %v", s)
	}
	if m, s, _ := manifestsPlan(o, harden); m != nil || !slices.Equal(s, harden) {
		t.Errorf("harden applies manifests: %v", s)
	}
	if ph, _ := tlsPhase(o, false); ph.Addrs != nil {
		t.Error("TLS check on without issuing and without checks.tls")
	}
}
