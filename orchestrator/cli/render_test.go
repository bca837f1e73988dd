package cli

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// Other golden tests of this package may define -update too.
func init() {
	if flag.Lookup("update") == nil {
		flag.Bool("update", false, "rewrite the golden files under testdata")
	}
}

func updateGolden() bool {
	v, _ := flag.Lookup("update").Value.(flag.Getter).Get().(bool)
	return v && !testenv.CI()
}

const renderHead = `domain: staging.example.com
hosts: [{name: a, address: 203.0.113.1}]
`

// renderBundle is a small stand-in for cert-manager's release manifest.
const renderBundle = `# cert-manager (test)
apiVersion: apps/v1
kind: Deployment
metadata:
  name: cert-manager
  namespace: cert-manager
spec:
  replicas: 1
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: certificates.cert-manager.io
---
apiVersion: v1
kind: Namespace
metadata:
  name: cert-manager
`

// renderDir writes the playbook and files into a fresh directory and
// returns the playbook's path.
func renderDir(t *testing.T, pb string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "playbook.yaml")
	if err := os.WriteFile(path, []byte(pb), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRenderGolden(t *testing.T) {
	ca, err := os.ReadFile("testdata/render/acme-ca.pem")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, playbook string
		files          map[string]string
	}{
		{"helmchart", renderHead + `manifests:
  certManager: {version: v1.21.2}
  acme: {email: ops@example.com}
  ingress: {service: web}
`, nil},
		{"bundle", renderHead + `manifests:
  certManager: {install: bundle, bundle: cert-manager.yaml}
  acme:
    email: ops@example.com
    server: https://acme.internal:14000/dir
    caBundleFile: acme-ca.pem
  ingress: {namespace: shop, name: shop, service: storefront, servicePort: 8080}
  network:
    namespaces: [shop, api]
    restrictEgress: true
    egressCIDRs: [192.0.2.0/24, 2001:db8::/32]
`, map[string]string{"cert-manager.yaml": renderBundle, "acme-ca.pem": string(ca)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := ck8sctl(t, "render", "-p", renderDir(t, tc.playbook, tc.files))
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			golden := filepath.Join("testdata", "render", tc.name+".golden")
			if updateGolden() {
				if err := os.WriteFile(golden, []byte(r.stdout), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if r.stdout != string(want) {
				t.Errorf("render output differs from %s (run with -update after checking):\n%s", golden, r.stdout)
			}
			// What is printed is exactly what Render returns.
			pb, err := playbook.Load(renderDir(t, tc.playbook, tc.files))
			if err != nil {
				t.Fatal(err)
			}
			v, err := action.ManifestValues(pb)
			if err != nil {
				t.Fatal(err)
			}
			docs, err := manifest.Render(v)
			if err != nil {
				t.Fatal(err)
			}
			back, err := manifest.Parse([]byte(r.stdout))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, docs) {
				t.Errorf("render output parses to %d documents that differ from Render's %d", len(back), len(docs))
			}
		})
	}
}

func TestRenderBadInput(t *testing.T) {
	ok := "manifests:\n  certManager: {install: bundle, bundle: cm.yaml}\n  acme: {email: ops@example.com, caBundleFile: ca.pem}\n  ingress: {service: web}\n"
	for _, tc := range []struct {
		name, playbook string
		files          map[string]string
		want           string
	}{
		{"no section", renderHead, nil, "playbook.yaml: manifests: no manifests section: nothing to render"},
		{"playbook error", renderHead + "manifests: {acme: {email: nope}}\n", nil, "playbook.yaml:3: manifests.acme.email: must be an e-mail address"},
		{"bundle missing", renderHead + ok, map[string]string{"ca.pem": "x"}, "playbook.yaml:4: manifests.certManager.bundle: cannot read "},
		{"ca missing", renderHead + ok, map[string]string{"cm.yaml": renderBundle}, "playbook.yaml:5: manifests.acme.caBundleFile: cannot read "},
		{"ca not pem", renderHead + ok, map[string]string{"cm.yaml": renderBundle, "ca.pem": "hello"}, "ca.pem: no PEM certificate in the file"},
		{"ca key", renderHead + ok, map[string]string{"cm.yaml": renderBundle, "ca.pem": "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"}, `PEM block 1 is "PRIVATE KEY", want CERTIFICATE`},
		{"ca garbage cert", renderHead + ok, map[string]string{"cm.yaml": renderBundle, "ca.pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}, `PEM block 1: x509:`},
		{"no flag", "", nil, `Required flag "playbook" not set`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"render"}
			if tc.playbook != "" {
				args = append(args, "-p", renderDir(t, tc.playbook, tc.files))
			}
			r := ck8sctl(t, args...)
			if r.code != ExitBadInput || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stdout, "apiVersion") {
				t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant exit 2 and %q", r.code, r.stdout, r.stderr, tc.want)
			}
		})
	}
}

// A bundle document without a name is bad input too, named by file and line.
func TestRenderBadBundle(t *testing.T) {
	pb := renderHead + "manifests:\n  certManager: {install: bundle, bundle: cm.yaml}\n  acme: {email: ops@example.com}\n  ingress: {service: web}\n"
	r := ck8sctl(t, "render", "-p", renderDir(t, pb, map[string]string{"cm.yaml": renderBundle + "---\napiVersion: v1\nkind: ConfigMap\n"}))
	if r.code != ExitBadInput || !strings.Contains(r.stderr, "bundle cm.yaml:20: metadata.name is missing or empty") {
		t.Errorf("exit %d, stderr:\n%s", r.code, r.stderr)
	}
}
