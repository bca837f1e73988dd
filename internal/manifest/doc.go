package manifest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"sigs.k8s.io/yaml"
)

// Doc is one rendered Kubernetes object.
type Doc struct {
	Source                            string // "deploy/clusterissuer.yaml:7" or "bundle cert-manager.yaml:1234"
	APIVersion, Kind, Namespace, Name string
	YAML                              []byte // the object, normalised; what render prints after the Source comment
}

// ManagedByLabel marks the objects ck8sctl renders from its templates.
const ManagedByLabel = "app.kubernetes.io/managed-by"

// header is the part of an object Doc is filled from.
type header struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name      string `json:"name"`
		Namespace string `json:"namespace"`
	} `json:"metadata"`
}

// parseDoc turns one YAML document into a Doc. The YAML is normalised through
// JSON the way kubectl reads it, so what is printed is what is applied.
func parseDoc(source string, src []byte) (Doc, error) {
	j, err := yaml.YAMLToJSON(src)
	if err != nil {
		return Doc{}, fmt.Errorf("%s: not valid YAML: %w", source, err)
	}
	var h header
	if err := json.Unmarshal(j, &h); err != nil {
		return Doc{}, fmt.Errorf("%s: not a Kubernetes object (a mapping with apiVersion, kind and metadata): %w", source, err)
	}
	var missing []error
	for _, f := range []struct{ name, val string }{{"apiVersion", h.APIVersion}, {"kind", h.Kind}, {"metadata.name", h.Metadata.Name}} {
		if f.val == "" {
			missing = append(missing, fmt.Errorf("%s: %s is missing or empty", source, f.name))
		}
	}
	if err := errors.Join(missing...); err != nil {
		return Doc{}, err
	}
	out, err := yaml.JSONToYAML(j)
	if err != nil {
		return Doc{}, fmt.Errorf("%s: %w", source, err)
	}
	return Doc{Source: source, APIVersion: h.APIVersion, Kind: h.Kind,
		Namespace: h.Metadata.Namespace, Name: h.Metadata.Name, YAML: out}, nil
}

// Print writes docs as one YAML stream, each document headed by a comment
// naming its Source: the output of `ck8sctl render`.
func Print(w io.Writer, docs []Doc) error {
	for _, d := range docs {
		if _, err := fmt.Fprintf(w, "---\n# Source: %s\n%s", d.Source, d.YAML); err != nil {
			return err
		}
	}
	return nil
}

// String names the object as kubectl would: kind/namespace/name.
func (d Doc) String() string {
	if d.Namespace == "" {
		return d.Kind + "/" + d.Name
	}
	return d.Kind + "/" + d.Namespace + "/" + d.Name
}

// Parse reads Print's output back into the documents it was printed from,
// for whoever receives a rendered stream rather than the Docs.
func Parse(stream []byte) ([]Doc, error) {
	lines := strings.SplitAfter(string(stream), "\n")
	if len(lines) == 0 || lines[0] != "---\n" {
		return nil, errors.New("rendered manifests: must start with ---")
	}
	var docs []Doc
	for i := 0; i < len(lines) && lines[i] != ""; {
		n := i + 1 // past the ---
		for n < len(lines) && lines[n] != "---\n" {
			n++
		}
		source, ok := strings.CutPrefix(strings.TrimSuffix(lines[min(i+1, n-1)], "\n"), "# Source: ")
		if !ok || n == i+1 {
			return nil, fmt.Errorf("rendered manifests: document %d: no # Source: line", len(docs)+1)
		}
		d, err := parseDoc(source, []byte(strings.Join(lines[i+2:n], "")))
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
		i = n
	}
	return docs, nil
}
