package k8senv

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/yaml"
)

// CertManagerNamespace is where the controller keeps ClusterIssuer secrets
// (its --cluster-resource-namespace); StartCertManager creates it.
const CertManagerNamespace = "cert-manager"

// certManagerReady is what the controller (hack/k8s-env/certmanager) logs
// once every control loop has been started.
const certManagerReady = "enabled controllers"

// StartCertManager applies cert-manager's CRDs, creates its namespace and
// runs the cert-manager controller in the control plane's namespace against
// its apiserver, stopping it in t.Cleanup. nameservers (host:port) are
// where its ACME self-checks resolve names; the lab's DNS server, so
// nothing asks the machine's resolver. Its log is Dir/cert-manager.log.
func (cp *ControlPlane) StartCertManager(t testing.TB, nameservers []string) {
	t.Helper()
	if err := executable(cp.bins.CertManager); err != nil {
		need(t, fmt.Errorf("%w\nrun `make k8s-env`", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := cp.InstallCertManagerCRDs(ctx); err != nil {
		t.Fatalf("starting cert-manager: %v", err)
	}
	ns := fmt.Sprintf("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n", CertManagerNamespace)
	if err := cp.Apply(ctx, []byte(ns)); err != nil {
		t.Fatalf("starting cert-manager: %v", err)
	}
	args := []string{cp.bins.CertManager,
		"--kubeconfig", cp.KubeconfigPath,
		"--cluster-resource-namespace", CertManagerNamespace,
		"--v", "2",
	}
	if len(nameservers) > 0 {
		args = append(args, "--acme-http01-solver-nameservers", strings.Join(nameservers, ","))
	}
	log := cp.path("cert-manager.log")
	p, err := start(t, "cert-manager-controller", cp.NetNS, log, nil, args...)
	if err != nil {
		t.Fatalf("starting cert-manager: %v", err)
	}
	if err := p.wait(ctx, time.Minute, func(context.Context) error {
		b, _ := os.ReadFile(log)
		if !strings.Contains(string(b), certManagerReady) {
			return errors.New("controllers not started yet")
		}
		return nil
	}); err != nil {
		t.Fatalf("starting cert-manager: %v", err)
	}
	cp.certManager = p
}

// CertManagerAlive reports whether the controller StartCertManager started
// still runs, with the tail of its log when it does not.
func (cp *ControlPlane) CertManagerAlive() error {
	if cp.certManager == nil {
		return errors.New("cert-manager was not started")
	}
	if !cp.certManager.alive() {
		return cp.certManager.failed(fmt.Errorf("exited: %v", cp.certManager.err))
	}
	return nil
}

// InstallCertManagerCRDs applies cert-manager's CRDs and waits until the
// apiserver serves them.
func (cp *ControlPlane) InstallCertManagerCRDs(ctx context.Context) error {
	crds, err := CertManagerCRDs()
	if err != nil {
		return err
	}
	if err := cp.Apply(ctx, crds...); err != nil {
		return fmt.Errorf("applying cert-manager CRDs: %w", err)
	}
	objs, err := decodeAll(crds)
	if err != nil {
		return err
	}
	var names []string
	for _, o := range objs {
		names = append(names, o.GetName())
	}
	return cp.WaitCRDsEstablished(ctx, names...)
}

// CertManagerCRDs returns cert-manager's CRD manifests (one YAML document
// per CRD, sorted by file name): from the copy `make k8s-env` keeps next
// to the controller, else from the Go module cache (downloading the module
// through the Go proxy if needed), so tests can apply them without the
// main module requiring cert-manager.
func CertManagerCRDs() ([][]byte, error) {
	b, _ := Find()
	dir := b.CertManagerCRDs
	if _, err := os.Stat(dir); err != nil {
		mod, merr := certManagerModuleDir()
		if merr != nil {
			return nil, fmt.Errorf("cert-manager CRDs: not in %s (run `make k8s-env`) and %w", dir, merr)
		}
		dir = filepath.Join(mod, "deploy", "crds")
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) == 0 {
		return nil, fmt.Errorf("cert-manager CRDs: no *.yaml in %s", dir)
	}
	sort.Strings(files)
	var out [][]byte
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("cert-manager CRDs: %w", err)
		}
		// Only CRDs: fail on anything else (a Helm template would not parse).
		var head struct{ Kind string }
		if err := yaml.Unmarshal(data, &head); err != nil || head.Kind != "CustomResourceDefinition" {
			return nil, fmt.Errorf("cert-manager CRDs: %s is not a CustomResourceDefinition (%v)", f, err)
		}
		out = append(out, data)
	}
	return out, nil
}

// CertManagerBundle is a release-style bundle (what a playbook's
// `certManager.install: bundle` points at) of what can run here: the
// cert-manager Namespace and the real CRDs. A release's bundle also has
// the Deployments, RBAC and webhook configuration, which need a kubelet.
func CertManagerBundle() (string, error) {
	crds, err := CertManagerCRDs()
	if err != nil {
		return "", err
	}
	b := "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: " + CertManagerNamespace + "\n"
	for _, c := range crds {
		b += "---\n" + strings.TrimPrefix(string(c), "---\n")
	}
	return b, nil
}

// certManagerModuleDir locates the cert-manager module in the module
// cache with `go mod download -json`, run in a temp dir so the main
// module's go.mod is neither read nor changed.
func certManagerModuleDir() (string, error) {
	tmp, err := os.MkdirTemp("", "k8senv-gomod")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	mod := "github.com/cert-manager/cert-manager@" + CertManagerVersion
	cmd := exec.Command("go", "mod", "download", "-json", mod)
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.Output()
	var info struct{ Dir, Error string }
	_ = json.Unmarshal(out, &info)
	if err != nil || info.Dir == "" {
		return "", fmt.Errorf("go mod download %s failed: %v %s", mod, err, info.Error)
	}
	return info.Dir, nil
}
