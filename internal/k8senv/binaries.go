package k8senv

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// Binaries are the programs the environment runs.
type Binaries struct {
	Etcd, KubeAPIServer, CertManager, Pebble string
	// CertManagerCRDs is the directory of cert-manager's CRD manifests
	// (the module's deploy/crds), copied next to the controller.
	CertManagerCRDs string
}

// CacheDir is where hack/k8s-env.sh puts the binaries:
// $CK8S_K8S_ENV_DIR, else $XDG_CACHE_HOME/ck8s/k8s-env, else
// ~/.cache/ck8s/k8s-env.
func CacheDir() string {
	if d := os.Getenv("CK8S_K8S_ENV_DIR"); d != "" {
		return d
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home, _ := os.UserHomeDir()
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "ck8s", "k8s-env")
}

// Find returns the paths of all binaries, or an error naming every missing
// one and how to get them. The paths are returned even on error, so a
// caller needing only some (StartPebble) can check its own.
func Find() (Binaries, error) {
	dir := CacheDir()
	b := Binaries{
		Etcd:          EtcdPath,
		KubeAPIServer: filepath.Join(dir, "kube-apiserver-"+KubernetesVersion, "kube-apiserver"),
		CertManager:   filepath.Join(dir, "cert-manager-controller-"+CertManagerVersion, "cert-manager-controller"),
		Pebble:        filepath.Join(dir, "pebble-"+PebbleVersion, "pebble"),
	}
	b.CertManagerCRDs = filepath.Join(filepath.Dir(b.CertManager), "crds")
	var errs []error
	for _, p := range []string{b.Etcd, b.KubeAPIServer, b.CertManager, b.Pebble} {
		errs = append(errs, executable(p))
	}
	if err := errors.Join(errs...); err != nil {
		return b, fmt.Errorf("%w\nrun `make k8s-env` (and `apt-get install etcd-server` for %s)", err, EtcdPath)
	}
	return b, nil
}

// executable reports why p cannot be run, or nil.
func executable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return fmt.Errorf("k8s-env binary missing: %w", err)
	}
	if st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("k8s-env binary %s is not executable", p)
	}
	return nil
}

// Require returns the binaries, after making sure the test runs as root
// (namespaces need it) and everything exists: otherwise it skips t, or
// fails it under CI=true so CI never passes by skipping.
func Require(t testing.TB) Binaries {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	b, err := Find()
	if err != nil {
		need(t, err)
	}
	return b
}

// RequireOnly is Require for a test that needs only some binaries, named
// by picking them from Binaries: RequireOnly(t, func(b Binaries) []string
// { return []string{b.Pebble} }).
func RequireOnly(t testing.TB, pick func(Binaries) []string) Binaries {
	t.Helper()
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "ip")
	b, _ := Find()
	var errs []error
	for _, p := range pick(b) {
		errs = append(errs, executable(p))
	}
	if err := errors.Join(errs...); err != nil {
		need(t, fmt.Errorf("%w\nrun `make k8s-env`", err))
	}
	return b
}

// need skips t for a missing prerequisite, or fails it under CI.
func need(t testing.TB, err error) {
	t.Helper()
	if testenv.CI() {
		t.Fatalf("needs the k8s test environment in CI: %v", err)
	}
	t.Skipf("needs the k8s test environment: %v", err)
}
