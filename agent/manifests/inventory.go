package manifests

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
)

// Entry names an object the step applied, in the inventory kept on the
// host, so that an object dropped from the playbook is reported as left
// behind rather than silently forgotten (or silently deleted: removing a
// namespace or a CRD would take everything in it along).
type Entry struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
	Source     string `json:"source,omitempty"`
}

func (e Entry) key() string { return e.APIVersion + "|" + e.Kind + "|" + e.Namespace + "|" + e.Name }

// String reads like kubectl's arguments: kind/name -n namespace.
func (e Entry) String() string {
	s := e.Kind + "/" + e.Name
	if e.Namespace != "" {
		s += " -n " + e.Namespace
	}
	return s
}

func inventoryPath(stateDir string) string {
	return filepath.Join(stateDir, "manifests", "inventory.json")
}

func readInventory(stateDir string) ([]Entry, error) {
	b, err := os.ReadFile(inventoryPath(stateDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var es []Entry
	if err := json.Unmarshal(b, &es); err != nil {
		return nil, fmt.Errorf("%s: %w", inventoryPath(stateDir), err)
	}
	return es, nil
}

// writeInventory replaces the inventory atomically: a crash leaves the old
// one or the new one, never half of either.
func writeInventory(stateDir string, es []Entry) error {
	p := inventoryPath(stateDir)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	return atomicfile.WriteJSON(p, es, 0o600)
}

// leftBehind returns the entries of old that cur no longer has.
func leftBehind(old, cur []Entry) []Entry {
	keep := make([]string, len(cur))
	for i, e := range cur {
		keep[i] = e.key()
	}
	var out []Entry
	for _, e := range old {
		if !slices.Contains(keep, e.key()) {
			out = append(out, e)
		}
	}
	return out
}

func entries(objs []object) []Entry {
	out := make([]Entry, len(objs))
	for i, o := range objs {
		out[i] = Entry{APIVersion: o.u.GetAPIVersion(), Kind: o.u.GetKind(), Namespace: o.u.GetNamespace(), Name: o.u.GetName(), Source: o.src}
	}
	return out
}
