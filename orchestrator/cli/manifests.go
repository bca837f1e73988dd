package cli

import (
	"slices"

	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// manifestsPlan renders the playbook's manifests section into the agent's
// plan and inserts the manifests step after the firewall and the http-01
// rehearsal (which it waits for). Nil and steps unchanged without a
// manifests section, or for a command without the DNS preflight (harden
// re-runs the firewall only). Rendered once: every host gets the same
// objects, exactly what `ck8sctl render` prints.
func manifestsPlan(o *runOpts, steps []string) (*plan.ManifestsPlan, []string, error) {
	m := o.pb.Manifests
	if m == nil || !slices.Contains(steps, "dns") {
		return nil, steps, nil
	}
	v, err := manifestValues(o.pb)
	if err != nil {
		return nil, nil, badInput(err)
	}
	docs, err := manifest.Render(v)
	if err != nil {
		return nil, nil, badInputf("rendering the manifests of %s: %w", o.pb.Path, err)
	}
	mp := &plan.ManifestsPlan{
		Kubeconfig:           m.Kubeconfig,
		CertManagerNamespace: m.CertManager.Namespace,
		Issuer:               v.ACME.Issuer,
		Certificate:          plan.ObjectRef{Namespace: m.Ingress.Namespace, Name: m.Ingress.Name},
		Wait:                 plan.Duration(m.Wait),
	}
	for _, d := range docs {
		mp.Objects = append(mp.Objects, plan.ManifestObject{Source: d.Source, YAML: string(d.YAML)})
	}
	at := len(steps)
	for i, s := range steps {
		if s == "firewall" || s == "http01" {
			at = i + 1
		}
	}
	return mp, slices.Insert(slices.Clone(steps), at, "manifests"), nil
}

func addManifestsPlans(ts []*phase.Target, mp *plan.ManifestsPlan) {
	for _, t := range ts {
		t.Plan.Manifests = mp
	}
}
