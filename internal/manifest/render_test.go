package manifest

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"sigs.k8s.io/yaml"

	"github.com/ck8s/ck8sctl/deploy"
)

// values is what the playbook's defaults give, plus the required fields.
func values() Values {
	return Values{
		Domain:      "staging.example.com",
		CertManager: CertManager{Install: InstallHelmChart, Version: "v1.21.2", Namespace: "cert-manager"},
		ACME: ACME{Email: "ops@example.com", Server: "https://acme-staging-v02.api.letsencrypt.org/directory",
			Issuer: "letsencrypt-staging", AccountKeySecret: "letsencrypt-staging-account-key"},
		Ingress: Ingress{Namespace: "default", Name: "staging", ClassName: "traefik", Service: "web", ServicePort: 80, TLSSecret: "staging-tls"},
		Network: Network{Namespaces: []string{"default"}, IngressControllerNamespace: "kube-system"},
	}
}

func kinds(docs []Doc) []string {
	var out []string
	for _, d := range docs {
		out = append(out, d.String())
	}
	return out
}

// object decodes a Doc's YAML for assertions on its fields.
func object(t *testing.T, d Doc) map[string]any {
	t.Helper()
	var m map[string]any
	if err := yaml.Unmarshal(d.YAML, &m); err != nil {
		t.Fatalf("%s: %v", d.Source, err)
	}
	return m
}

// field walks a decoded object: field(m, "spec", "tls", 0, "secretName").
func field(m any, path ...any) any {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			mm, _ := m.(map[string]any)
			m = mm[k]
		case int:
			l, _ := m.([]any)
			if k >= len(l) {
				return nil
			}
			m = l[k]
		}
	}
	return m
}

func TestRenderOrderAndLabels(t *testing.T) {
	v := values()
	v.Network.Namespaces = []string{"shop", "default"}
	v.Network.RestrictEgress = true
	docs, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"Namespace/shop",
		"HelmChart/kube-system/cert-manager",
		"ClusterIssuer/letsencrypt-staging",
		"Certificate/default/staging",
		"Ingress/default/staging",
		"NetworkPolicy/shop/default-deny-ingress", "NetworkPolicy/shop/allow-from-ingress-controller",
		"NetworkPolicy/shop/default-deny-egress", "NetworkPolicy/shop/allow-dns-egress",
		"NetworkPolicy/default/default-deny-ingress", "NetworkPolicy/default/allow-from-ingress-controller",
		"NetworkPolicy/default/default-deny-egress", "NetworkPolicy/default/allow-dns-egress",
	}
	if got := kinds(docs); !slices.Equal(got, want) {
		t.Errorf("objects:\n got %q\nwant %q", got, want)
	}
	for _, d := range docs {
		if l := field(object(t, d), "metadata", "labels", ManagedByLabel); l != "ck8sctl" {
			t.Errorf("%s (%s): label %s = %v", d, d.Source, ManagedByLabel, l)
		}
	}
}

// Each Source must point at the first line of its document in the template.
func TestSourceLines(t *testing.T) {
	v := values()
	v.Network.Namespaces = []string{"a", "b"}
	v.Network.RestrictEgress, v.Network.EgressCIDRs = true, []string{"192.0.2.0/24"}
	docs, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, d := range docs {
		file, line, _ := strings.Cut(d.Source, ":")
		src, err := fs.ReadFile(deploy.FS(), strings.TrimPrefix(file, "deploy/"))
		if err != nil {
			t.Fatal(err)
		}
		n, _ := strconv.Atoi(line)
		lines := strings.Split(string(src), "\n")
		if n < 2 || lines[n-2] != "---" || !strings.HasPrefix(lines[n-1], "apiVersion: ") {
			t.Errorf("%s: %s does not point at the line after a ---", d, d.Source)
		}
		seen[d.Source]++
	}
	// Two namespaces: each NetworkPolicy line is used twice.
	if n := seen[docs[len(docs)-1].Source]; n != 2 {
		t.Errorf("last source used %d times, want 2", n)
	}
}

func TestRenderFields(t *testing.T) {
	v := values()
	v.ACME.CABundle = []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	docs, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	byKind := map[string]map[string]any{}
	for _, d := range docs {
		byKind[d.Kind] = object(t, d)
	}
	for _, tc := range []struct {
		kind string
		path []any
		want any
	}{
		{"HelmChart", []any{"spec", "version"}, "v1.21.2"},
		{"HelmChart", []any{"spec", "targetNamespace"}, "cert-manager"},
		{"HelmChart", []any{"spec", "createNamespace"}, true},
		{"HelmChart", []any{"spec", "valuesContent"}, "crds:\n  enabled: true"},
		{"ClusterIssuer", []any{"spec", "acme", "caBundle"}, "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUIKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo="},
		{"ClusterIssuer", []any{"spec", "acme", "privateKeySecretRef", "name"}, "letsencrypt-staging-account-key"},
		{"ClusterIssuer", []any{"spec", "acme", "solvers", 0, "http01", "ingress", "ingressClassName"}, "traefik"},
		{"Certificate", []any{"spec", "dnsNames", 0}, "staging.example.com"},
		{"Certificate", []any{"spec", "issuerRef", "kind"}, "ClusterIssuer"},
		{"Certificate", []any{"spec", "secretName"}, "staging-tls"},
		{"Ingress", []any{"spec", "tls", 0, "secretName"}, "staging-tls"},
		{"Ingress", []any{"spec", "rules", 0, "http", "paths", 0, "backend", "service", "port", "number"}, float64(80)},
		{"Ingress", []any{"metadata", "annotations"}, nil},
	} {
		if got := field(byKind[tc.kind], tc.path...); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s %v = %#v, want %#v", tc.kind, tc.path, got, tc.want)
		}
	}
	// No CA bundle, no caBundle key (not an empty one).
	docs, _ = Render(values())
	for _, d := range docs {
		if d.Kind == "ClusterIssuer" && bytes.Contains(d.YAML, []byte("caBundle")) {
			t.Errorf("caBundle rendered without a CA bundle:\n%s", d.YAML)
		}
	}
}

// Values that look like YAML stay strings in the one field they were put in.
func TestRenderInjection(t *testing.T) {
	evil := "a: b\n- c\n---\nkind: Secret # \"'{{ x }}"
	v := values()
	v.Ingress.Service, v.ACME.Email, v.Network.Namespaces = evil, evil, []string{evil}
	docs, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	clean, _ := Render(values())
	if len(docs) != len(clean)+1 { // the evil namespace also gets a Namespace object
		t.Fatalf("%d documents, want %d: %q", len(docs), len(clean)+1, kinds(docs))
	}
	for _, d := range docs {
		m := object(t, d)
		switch d.Kind {
		case "Ingress":
			if got := field(m, "spec", "rules", 0, "http", "paths", 0, "backend", "service", "name"); got != evil {
				t.Errorf("service name = %q", got)
			}
		case "ClusterIssuer":
			if got := field(m, "spec", "acme", "email"); got != evil {
				t.Errorf("email = %q", got)
			}
		case "Secret":
			t.Errorf("a value injected an object: %s", d.YAML)
		}
	}
}

func TestQuote(t *testing.T) {
	for _, s := range []string{"", "plain", "a: b", "- x", "#c", "'\"", "x\ny", "\t\\", "{a: 1}", "[1]", "*alias", "&anchor", "!tag", "yes", "null", "123", "ü – 漢字", "\u2028", "a\x00b", "--- x"} {
		q, err := quote(s)
		if err != nil {
			t.Fatal(err)
		}
		var got map[string]any
		if err := yaml.Unmarshal([]byte("k: "+q+"\n"), &got); err != nil {
			t.Fatalf("quote(%q) = %s: %v", s, q, err)
		}
		if got["k"] != s {
			t.Errorf("quote(%q) = %s reads back as %#v", s, q, got["k"])
		}
	}
}

func TestRenderRequired(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(*Values)
		want string
	}{
		{"email", func(v *Values) { v.ACME.Email = "" }, `deploy/clusterissuer.yaml:15:`},
		{"email field", func(v *Values) { v.ACME.Email = "" }, `acme.email: required value is empty`},
		{"domain", func(v *Values) { v.Domain = "" }, `domain: required value is empty`},
		{"port", func(v *Values) { v.Ingress.ServicePort = 0 }, `ingress.servicePort: required value is empty`},
		{"version", func(v *Values) { v.CertManager.Version = "" }, `deploy/cert-manager-helmchart.yaml:16:`},
		{"install", func(v *Values) { v.CertManager.Install = "helm" }, `certManager.install: must be helmchart, bundle or none, got "helm"`},
		{"controller namespace", func(v *Values) { v.Network.IngressControllerNamespace = "" }, `network.ingressControllerNamespace: required`},
		{"duplicate", func(v *Values) { v.Network.Namespaces = []string{"x", "x"} }, `NetworkPolicy/x/default-deny-ingress is also defined at deploy/networkpolicy.yaml:`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := values()
			tc.edit(&v)
			docs, err := Render(v)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q; docs %q", err, tc.want, kinds(docs))
			}
		})
	}
}

func TestTemplateRules(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"before first", "kind: X\n---\napiVersion: v1\nkind: A\nmetadata: {name: a}\n", "deploy/t.yaml: content before the first ---"},
		{"empty", "---\n# nothing\n---\napiVersion: v1\nkind: A\nmetadata: {name: a}\n", "deploy/t.yaml:2: renders an empty document"},
		{"no name", "# c\n---\napiVersion: v1\nkind: A\nmetadata: {namespace: a}\n", "deploy/t.yaml:3: metadata.name is missing or empty"},
		{"not object", "---\n- a\n", "deploy/t.yaml:2: not a Kubernetes object"},
		{"bad yaml", "---\na: [\n", "deploy/t.yaml:2: not valid YAML"},
		{"loose separator", "---\napiVersion: v1\n--- \nkind: A\n", "deploy/t.yaml:2: a document separator without its source marker"},
		{"missing field", "---\napiVersion: {{ .Nope }}\n", "can't evaluate field Nope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{"t.yaml": {Data: []byte(tc.src)}}
			_, err := renderFile(fsys, "t.yaml", data{Values: values()})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

// Every template in deploy/ is rendered: none is forgotten in the order.
func TestEveryTemplateUsed(t *testing.T) {
	files, err := fs.Glob(deploy.FS(), "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	used := append(append(slices.Clone(before), certManagerSlot), after...)
	slices.Sort(used)
	if !slices.Equal(files, used) {
		t.Errorf("deploy/ has %q; Render uses %q", files, used)
	}
}

// Print's output splits back into exactly the documents.
func TestPrintReparses(t *testing.T) {
	v := values()
	v.Network.RestrictEgress, v.Network.EgressCIDRs = true, []string{"192.0.2.0/24", "2001:db8::/32"}
	docs, err := Render(v)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Print(&b, docs); err != nil {
		t.Fatal(err)
	}
	got, err := Parse(b.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, docs) {
		a, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("reparsed:\n%s", a)
	}
}
