package manifests

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/k8senv"
	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// BenchmarkManifests measures the step against a real kube-apiserver (in
// a network namespace of its own) with what bootstrap applies: the
// cert-manager CRDs from a bundle, the ClusterIssuer, Certificate, Ingress
// and network baseline. It reports the first apply once (ms-first-apply:
// namespaces and CRDs, the wait until they are served, the rest) and
// times the compliance re-run per op: every object dry-run on the server
// and compared with the live one, 0 changes (what a --check sweep does).
func BenchmarkManifests(b *testing.B) {
	k8senv.RequireOnly(b, func(bs k8senv.Binaries) []string { return []string{bs.KubeAPIServer, bs.Etcd} })
	ns := fmt.Sprintf("ck8sbench%d", rand.IntN(1<<20))
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		b.Fatalf("ip netns add: %v: %s", err, out)
	}
	b.Cleanup(func() { exec.Command("ip", "netns", "del", ns).Run() })
	if out, err := exec.Command("ip", "-n", ns, "link", "set", "lo", "up").CombinedOutput(); err != nil {
		b.Fatalf("lo up: %v: %s", err, out)
	}
	cp := k8senv.StartControlPlane(b, ns)
	p := benchPlan(b, cp.KubeconfigPath)
	st := Step{Dial: k8senv.Dialer(ns)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))

	// The first apply, up to manifests.applied: the step then follows the
	// issuance, which needs cert-manager; the benchmark stops it there.
	ctx, cancel := context.WithCancel(context.Background())
	sink := &stopAt{typ: event.TypeManifestsApplied, stop: cancel}
	start := time.Now()
	st.Run(ctx, step.NewEnv(p, "/", "manifests", log, sink))
	first := time.Since(start)
	cancel()
	if !sink.seen {
		b.Fatalf("no %s: %v", event.TypeManifestsApplied, sink.last)
	}

	check := *p
	check.Check = true
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s := &stopAt{typ: event.TypeManifestsCompliant}
		if err := st.Run(context.Background(), step.NewEnv(&check, "/", "manifests", log, s)); err != nil || !s.seen {
			b.Fatalf("re-run: %v, last event %v", err, s.last)
		}
	}
	b.ReportMetric(float64(first.Milliseconds()), "ms-first-apply")
	b.ReportMetric(float64(len(p.Manifests.Objects)), "objects")
}

// stopAt records events and calls stop at the first of type typ.
type stopAt struct {
	typ  string
	stop func()
	seen bool
	last []string
}

func (s *stopAt) Emit(_, typ string, status event.Status, msg string, _ any) {
	s.last = append(s.last, typ+" "+string(status)+": "+msg)
	if typ == s.typ && !s.seen {
		s.seen = true
		if s.stop != nil {
			s.stop()
		}
	}
}

func benchPlan(b *testing.B, kubeconfig string) *plan.Plan {
	bundle, err := k8senv.CertManagerBundle()
	if err != nil {
		b.Fatal(err)
	}
	docs, err := manifest.Render(manifest.Values{
		Domain:      "staging.lab.test",
		CertManager: manifest.CertManager{Install: manifest.InstallBundle, Namespace: "cert-manager", Bundle: []byte(bundle), BundleName: "cert-manager.yaml"},
		ACME:        manifest.ACME{Email: "ops@lab.test", Server: "https://198.18.0.1:14000/dir", Issuer: "acme", AccountKeySecret: "acme-account-key"},
		Ingress:     manifest.Ingress{Namespace: "apps", Name: "staging", ClassName: "traefik", Service: "web", TLSSecret: "staging-tls", ServicePort: 80},
		Network:     manifest.Network{Namespaces: []string{"apps"}, IngressControllerNamespace: "kube-system", RestrictEgress: true},
	})
	if err != nil {
		b.Fatal(err)
	}
	mp := &plan.ManifestsPlan{Kubeconfig: kubeconfig, CertManagerNamespace: "cert-manager", Issuer: "acme",
		Certificate: plan.ObjectRef{Namespace: "apps", Name: "staging"}, Wait: plan.Duration(2 * time.Minute)}
	for _, d := range docs {
		mp.Objects = append(mp.Objects, plan.ManifestObject{Source: d.Source, YAML: string(d.YAML)})
	}
	dir := b.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "state"), 0o700); err != nil {
		b.Fatal(err)
	}
	return &plan.Plan{Protocol: event.Protocol, RunID: "bench", Host: "bench", Steps: []string{"manifests"},
		StateDir: filepath.Join(dir, "state"), Manifests: mp}
}
