package manifests

import (
	"reflect"
	"strings"

	"github.com/pmezard/go-difflib/difflib"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// comparable returns the part of an object that apply decides: no status
// and none of the bookkeeping the server changes on every write (managed
// fields, versions, timestamps). Two objects with equal comparable forms
// are the same to a reader of the manifests.
func comparable(u *unstructured.Unstructured) map[string]any {
	if u == nil {
		return nil
	}
	c := u.DeepCopy()
	delete(c.Object, "status")
	for _, f := range []string{"managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink"} {
		unstructured.RemoveNestedField(c.Object, "metadata", f)
	}
	return c.Object
}

// diff is a unified diff from the live object to what applying the
// manifest makes of it (the server-side dry run), both as YAML, a
// Secret's values masked (maskSecrets).
func diff(name string, live, want *unstructured.Unstructured) string {
	cl, cw := comparable(live), comparable(want)
	if live != nil && reflect.DeepEqual(cl, cw) {
		return "" // the common case, without printing CRDs of 100s of KB twice
	}
	maskSecrets(cl, cw)
	a, b := toYAML(cl), toYAML(cw)
	if a == b {
		return ""
	}
	from := "live " + name
	if live == nil {
		from = "(absent)"
	}
	d, err := difflib.GetUnifiedDiffString(difflib.UnifiedDiff{
		A: difflib.SplitLines(a), B: difflib.SplitLines(b),
		FromFile: from, ToFile: "applied " + name, Context: 3,
	})
	if err != nil {
		return err.Error()
	}
	return d
}

func toYAML(m map[string]any) string {
	if m == nil {
		return ""
	}
	b, err := yaml.Marshal(m)
	if err != nil {
		return "unprintable: " + err.Error()
	}
	return strings.TrimRight(string(b), "\n") + "\n"
}
