package manifests

import "reflect"

// lastApplied is where kubectl apply keeps a copy of the whole object,
// a Secret's data included.
const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

// maskSecrets hides the values of a Secret's data and stringData in the
// comparable forms of its live and wanted object, keeping the keys, as
// kubectl diff does: a value that changed reads "*** (before)" and
// "*** (after)", an unchanged one "***". A drift report then says which
// entry differs without carrying it off the host. Other kinds are left
// alone. live and want are copies (comparable) and are changed in place.
func maskSecrets(live, want map[string]any) {
	if kindOf(live) != "Secret" && kindOf(want) != "Secret" {
		return
	}
	for _, field := range []string{"data", "stringData"} {
		before, _ := live[field].(map[string]any)
		after, _ := want[field].(map[string]any)
		for k, b := range before {
			a, ok := after[k]
			switch {
			case !ok:
				before[k] = "***"
			case reflect.DeepEqual(a, b):
				before[k], after[k] = "***", "***"
			default:
				before[k], after[k] = "*** (before)", "*** (after)"
			}
		}
		for k := range after {
			if _, ok := before[k]; !ok {
				after[k] = "***"
			}
		}
	}
	for _, m := range []map[string]any{live, want} {
		if ann, ok := nested(m, "metadata", "annotations"); ok && ann[lastApplied] != nil {
			ann[lastApplied] = "***"
		}
	}
}

func kindOf(m map[string]any) string {
	k, _ := m["kind"].(string)
	return k
}

func nested(m map[string]any, path ...string) (map[string]any, bool) {
	for _, p := range path {
		next, ok := m[p].(map[string]any)
		if !ok {
			return nil, false
		}
		m = next
	}
	return m, true
}
