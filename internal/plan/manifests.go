package plan

import (
	"errors"
	"fmt"
	"slices"
)

// StepManifests names the manifests step: the one step the light agent
// build leaves out (bootstrap.Binary.Light).
const StepManifests = "manifests"

// NeedsFullAgent reports whether p runs a step only the full agent has.
func (p *Plan) NeedsFullAgent() bool { return slices.Contains(p.Steps, StepManifests) }

// ManifestsPlan is the manifests step's part of the plan: the objects
// `ck8sctl render` prints, rendered by the orchestrator from the playbook
// (so what is shown is exactly what is applied), and what to follow
// afterwards.
type ManifestsPlan struct {
	// Kubeconfig is a path on the host; empty: the agent searches the
	// usual places (k3s, kubeadm, $KUBECONFIG).
	Kubeconfig string `json:"kubeconfig,omitempty"`
	// Objects are in apply order. The agent still applies namespaces and
	// CRDs first and cert-manager objects last.
	Objects []ManifestObject `json:"objects"`
	// CertManagerNamespace is where cert-manager runs (its webhook, the
	// ClusterIssuer's account key secret).
	CertManagerNamespace string `json:"certManagerNamespace"`
	// Issuer is the ClusterIssuer and Certificate the certificate whose
	// Ready condition the step waits for, up to Wait.
	Issuer      string    `json:"issuer"`
	Certificate ObjectRef `json:"certificate"`
	Wait        Duration  `json:"wait"`
}

// ManifestObject is one rendered Kubernetes object.
type ManifestObject struct {
	// Source is the template file and line the object comes from, named
	// in every message about it ("deploy/clusterissuer.yaml:7").
	Source string `json:"source"`
	// YAML is the object as `ck8sctl render` prints it.
	YAML string `json:"yaml"`
}

// ObjectRef names a namespaced object.
type ObjectRef struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// MaxManifestObjects bounds a plan: a static cert-manager release is about
// fifty objects; thousands are a mistake.
const MaxManifestObjects = 2000

func (m *ManifestsPlan) validate() error {
	switch {
	case len(m.Objects) == 0:
		return errors.New("plan field \"manifests.objects\": empty")
	case len(m.Objects) > MaxManifestObjects:
		return fmt.Errorf("plan field \"manifests.objects\": more than %d", MaxManifestObjects)
	case m.Issuer == "":
		return errors.New("plan field \"manifests.issuer\": missing")
	case m.Certificate.Namespace == "" || m.Certificate.Name == "":
		return errors.New("plan field \"manifests.certificate\": needs a namespace and a name")
	case m.CertManagerNamespace == "":
		return errors.New("plan field \"manifests.certManagerNamespace\": missing")
	case m.Wait <= 0:
		return errors.New("plan field \"manifests.wait\": must be positive")
	}
	for i, o := range m.Objects {
		if o.Source == "" || o.YAML == "" {
			return fmt.Errorf("plan field \"manifests.objects[%d]\": needs a source and yaml", i)
		}
	}
	return nil
}
