package manifest

import (
	"bytes"
	"fmt"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"

	"github.com/ck8s/ck8sctl/deploy"
)

// The templates in apply order; certManagerSlot is where the HelmChart or
// the bundle goes. Kept as data so the order is reviewed in one place.
var (
	before          = []string{"namespace.yaml"}
	certManagerSlot = "cert-manager-helmchart.yaml"
	after           = []string{"clusterissuer.yaml", "certificate.yaml", "ingress.yaml", "networkpolicy.yaml"}
)

// builtinNamespaces exist in every cluster and are not ours to create.
var builtinNamespaces = []string{"default", "kube-system", "kube-public", "kube-node-lease"}

// data is what templates see: the Values and what is derived from them.
type data struct {
	Values
	AppNamespaces []string // namespaces to create
}

// Render renders every object in apply order: app Namespaces, cert-manager
// (the HelmChart, or the bundle with its Namespaces and CRDs first), the
// ClusterIssuer, the Certificate, the Ingress and the NetworkPolicies.
func Render(v Values) ([]Doc, error) {
	d := data{Values: v, AppNamespaces: appNamespaces(v)}
	var docs []Doc
	add := func(files ...string) error {
		for _, f := range files {
			out, err := renderFile(deploy.FS(), f, d)
			if err != nil {
				return err
			}
			docs = append(docs, out...)
		}
		return nil
	}
	if err := add(before...); err != nil {
		return nil, err
	}
	switch v.CertManager.Install {
	case InstallHelmChart:
		if err := add(certManagerSlot); err != nil {
			return nil, err
		}
	case InstallBundle:
		b, err := splitBundle(v.CertManager)
		if err != nil {
			return nil, err
		}
		docs = append(docs, b...)
	case InstallNone:
	default:
		return nil, fmt.Errorf("certManager.install: must be helmchart, bundle or none, got %q", v.CertManager.Install)
	}
	if err := add(after...); err != nil {
		return nil, err
	}
	return docs, unique(docs)
}

// appNamespaces is network.namespaces ∪ ingress.namespace, in that order,
// without the built-in ones.
func appNamespaces(v Values) []string {
	var out []string
	for _, ns := range append(slices.Clone(v.Network.Namespaces), v.Ingress.Namespace) {
		if ns != "" && !slices.Contains(builtinNamespaces, ns) && !slices.Contains(out, ns) {
			out = append(out, ns)
		}
	}
	return out
}

// unique refuses two documents for the same object: the second would
// silently replace the first when applied.
func unique(docs []Doc) error {
	seen := map[string]string{}
	for _, d := range docs {
		key := d.APIVersion + " " + d.String()
		if first, dup := seen[key]; dup {
			return fmt.Errorf("%s: %s is also defined at %s", d.Source, d, first)
		}
		seen[key] = d.Source
	}
	return nil
}

// sourceMarker follows every "---" of a template, so that each rendered
// document, even one repeated by {{range}}, names the line it came from.
// It sits on the "---" line itself, keeping template line numbers intact.
const sourceMarker = "--- # ck8s-source: "

var markerLine = regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(sourceMarker) + `(\S+)\n?`)

// renderFile executes one template and splits its output into documents.
func renderFile(fsys fs.FS, name string, d data) ([]Doc, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	path := "deploy/" + name
	t, err := template.New(path).Option("missingkey=error").Funcs(funcs).Parse(mark(path, src))
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := t.Execute(&out, d); err != nil {
		return nil, err
	}
	return split(path, out.Bytes())
}

// mark adds the source marker to each "---" line of a template.
func mark(path string, src []byte) string {
	lines := strings.Split(string(src), "\n")
	for i, l := range lines {
		if l == "---" {
			lines[i] = sourceMarker + path + ":" + strconv.Itoa(i+2)
		}
	}
	return strings.Join(lines, "\n")
}

// split cuts rendered output at the markers. Before the first there may
// only be comments; every document must hold an object.
func split(path string, out []byte) ([]Doc, error) {
	locs := markerLine.FindAllSubmatchIndex(out, -1)
	end := len(out)
	if len(locs) > 0 {
		end = locs[0][0]
	}
	if !blank(out[:end]) {
		return nil, fmt.Errorf("%s: content before the first ---: every document must start with a --- line", path)
	}
	var docs []Doc
	for i, loc := range locs {
		source := string(out[loc[2]:loc[3]])
		end := len(out)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		body := out[loc[1]:end]
		if blank(body) {
			return nil, fmt.Errorf("%s: renders an empty document", source)
		}
		if separator.Match(body) {
			return nil, fmt.Errorf("%s: a document separator without its source marker (write --- alone on its line)", source)
		}
		doc, err := parseDoc(source, body)
		if err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}

// separator matches a YAML document start or end line.
var separator = regexp.MustCompile(`(?m)^(---|\.\.\.)(\s|$)`)

// blank reports whether b holds only whitespace and comments.
func blank(b []byte) bool {
	for l := range strings.SplitSeq(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			return false
		}
	}
	return true
}
