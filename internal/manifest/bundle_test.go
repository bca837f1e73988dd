package manifest

import (
	"slices"
	"strings"
	"testing"
)

const testBundle = `# cert-manager test bundle
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: cert-manager, namespace: cert-manager}
---
# only a comment
---

---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.cert-manager.io}
--- # a comment on the separator
apiVersion: v1
kind: Namespace
metadata: {name: cert-manager}
...
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: cert-manager, namespace: cert-manager}
`

func TestBundleOrderAndSources(t *testing.T) {
	v := values()
	v.CertManager = CertManager{Install: InstallBundle, Namespace: "cert-manager", Bundle: []byte(testBundle), BundleName: "cm.yaml"}
	docs, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range docs[:4] {
		got = append(got, d.String()+" "+d.Source)
	}
	want := []string{
		"Namespace/cert-manager bundle cm.yaml:15",
		"CustomResourceDefinition/certificates.cert-manager.io bundle cm.yaml:11",
		"ServiceAccount/cert-manager/cert-manager bundle cm.yaml:3",
		"Deployment/cert-manager/cert-manager bundle cm.yaml:20",
	}
	if !slices.Equal(got, want) {
		t.Errorf("bundle documents:\n got %q\nwant %q", got, want)
	}
	if docs[4].Kind != "ClusterIssuer" {
		t.Errorf("after the bundle: %s, want the ClusterIssuer", docs[4])
	}
	for _, d := range docs[:4] {
		if strings.Contains(string(d.YAML), ManagedByLabel) {
			t.Errorf("%s: bundle objects keep their own labels", d)
		}
	}
}

func TestBundleErrors(t *testing.T) {
	for _, tc := range []struct{ name, bundle, want string }{
		{"empty", "", "bundle cm.yaml: certManager.bundle: the file is empty"},
		{"no name", "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {namespace: cert-manager}\n", "bundle cm.yaml:2: metadata.name is missing or empty"},
		{"no kind", "# x\n\napiVersion: v1\nmetadata: {name: a, namespace: cert-manager}\n", "bundle cm.yaml:3: kind is missing or empty"},
		{"every error", "apiVersion: v1\nkind: A\n---\nkind: B\nmetadata: {name: b}\n", "bundle cm.yaml:1: metadata.name is missing or empty\nbundle cm.yaml:4: apiVersion is missing or empty"},
		{"bad yaml", "---\n---\nkind: [\n", "bundle cm.yaml:3: not valid YAML"},
		{"other namespace", "apiVersion: v1\nkind: Namespace\nmetadata: {name: cm}\n", `bundle cm.yaml: neither creates nor uses namespace "cert-manager" (certManager.namespace)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := values()
			v.CertManager = CertManager{Install: InstallBundle, Namespace: "cert-manager", Bundle: []byte(tc.bundle), BundleName: "cm.yaml"}
			_, err := Render(v)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}
