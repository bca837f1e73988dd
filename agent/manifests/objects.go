package manifests

import (
	"cmp"
	"fmt"
	"slices"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utiljson "k8s.io/apimachinery/pkg/util/json"
	"sigs.k8s.io/yaml"

	"github.com/ck8s/ck8sctl/internal/plan"
)

// object is one manifest to apply, with where it came from.
type object struct {
	src string
	u   *unstructured.Unstructured
}

func (o object) gvk() schema.GroupVersionKind { return o.u.GroupVersionKind() }

// String names the object the way kubectl does: Kind namespace/name.
func (o object) String() string {
	if ns := o.u.GetNamespace(); ns != "" {
		return o.u.GetKind() + " " + ns + "/" + o.u.GetName()
	}
	return o.u.GetKind() + " " + o.u.GetName()
}

// Apply phases. cert-manager's own objects come last: they need its CRDs
// established and its webhook answering, which the step waits for.
const (
	phaseFoundation  = iota // namespaces and CRDs
	phaseWorkloads          // everything else: the install, ingress, policies
	phaseCertManager        // issuers and certificates
)

func phaseOf(gvk schema.GroupVersionKind) int {
	switch {
	case gvk.Group == "" && gvk.Kind == "Namespace",
		gvk.Group == "apiextensions.k8s.io" && gvk.Kind == "CustomResourceDefinition":
		return phaseFoundation
	case gvk.Group == "cert-manager.io" || gvk.Group == "acme.cert-manager.io":
		return phaseCertManager
	}
	return phaseWorkloads
}

// decode parses the plan's objects and orders them by phase, keeping the
// rendered order within a phase. A bad object is reported with its source;
// nothing is applied then.
func decode(in []plan.ManifestObject) ([]object, error) {
	out := make([]object, 0, len(in))
	for _, m := range in {
		var u unstructured.Unstructured
		// Through apimachinery's JSON decoder, as the dynamic client
		// decodes: integers stay int64, not float64.
		j, err := yaml.YAMLToJSON([]byte(m.YAML))
		if err == nil {
			err = utiljson.Unmarshal(j, &u.Object)
		}
		if err != nil {
			return nil, fmt.Errorf("%s: not a Kubernetes object: %w", m.Source, err)
		}
		switch {
		case u.Object == nil:
			return nil, fmt.Errorf("%s: empty document", m.Source)
		case u.GetAPIVersion() == "" || u.GetKind() == "":
			return nil, fmt.Errorf("%s: apiVersion and kind are required", m.Source)
		case u.GetName() == "":
			return nil, fmt.Errorf("%s: %s has no metadata.name", m.Source, u.GetKind())
		}
		out = append(out, object{src: m.Source, u: &u})
	}
	slices.SortStableFunc(out, func(a, b object) int { return cmp.Compare(phaseOf(a.gvk()), phaseOf(b.gvk())) })
	return out, nil
}
