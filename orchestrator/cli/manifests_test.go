package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/k8senv"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

var (
	gvrClusterIssuer = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "clusterissuers"}
	gvrChallenge     = schema.GroupVersionResource{Group: "acme.cert-manager.io", Version: "v1", Resource: "challenges"}
	gvrSecret        = schema.GroupVersionResource{Version: "v1", Resource: "secrets"}
	gvrIngress       = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	gvrCRD           = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	gvrPolicy        = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "networkpolicies"}
)

// TestBootstrapIssuesCertificate is the epic's acceptance test, end to
// end with real components: a lab host runs a real kube-apiserver (with
// etcd) on its own loopback, as a k3s host does; bootstrap installs
// cert-manager's real CRDs from a release-style bundle, then the
// ClusterIssuer, Certificate, Ingress and network baseline through the
// host's kubeconfig (found at the k3s path); the real cert-manager
// controller orders the certificate from a real ACME CA (Pebble), which
// resolves the domain through the lab DNS and fetches the http-01 token
// from outside, through the firewall, on port 80; the certificate becomes
// Ready and the outside TLS check verifies it on 443 against Pebble's root.
//
// What stands in for the rest of a cluster, plainly: there is no kubelet,
// so cert-manager's solver pod never runs and a small responder on the
// host's port 80 serves each Challenge's token (what traefik + the solver
// pod would); a TLS server on 443 serving the issued Secret stands in for
// the ingress controller; cert-manager runs out of cluster (started once
// the bundle's CRDs are established, as its Deployment would); there is
// no service-account controller, so the test creates the `default`
// ServiceAccount the solver pod needs; there is no garbage collector.
//
// Then: a re-run changes nothing (0 changes); a field edited by hand is
// drift (--check exits 1 and leaves it; a run corrects it); objects
// dropped from the playbook are reported as left behind, not deleted; a
// manifest the API server rejects stops the apply there, naming the
// object and its bundle line; and the kubeconfig's credentials never
// reach the events, the database or the output.
func TestBootstrapIssuesCertificate(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	k8senv.Require(t)
	l := labtest.NewWith(t, 1, func(o *lab.Options) { labtest.WithDNS(o); o.ListenerArgv = nil })
	h := l.Hosts[0]
	cp := k8senv.StartControlPlane(t, h.NetNS)
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	// The solver pod's service account (no service-account controller).
	if err := cp.Apply(ctx, []byte("apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: default}\n")); err != nil {
		t.Fatal(err)
	}
	onHost(t, l, h, "mkdir -p /etc/rancher/k3s && echo "+base64.StdEncoding.EncodeToString(cp.Kubeconfig)+" | base64 -d > /etc/rancher/k3s/k3s.yaml && chmod 600 /etc/rancher/k3s/k3s.yaml")
	pebble := k8senv.StartPebble(t, k8senv.PebbleOptions{Listen: l.Gateway4, DNSServer: l.Nameservers[0]})
	roots, err := pebble.Roots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	standInIngress(t, h.NetNS, dyn)

	dir := t.TempDir()
	bundle, err := k8senv.CertManagerBundle()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cert-manager.yaml"), bundle)
	writeFile(t, filepath.Join(dir, "pebble-ca.pem"), string(pebble.CACert))
	writeFile(t, filepath.Join(dir, "pebble-roots.pem"), string(roots))
	db := filepath.Join(dir, "ck8s.db")
	playbook := func(manifests string) string {
		top := fmt.Sprintf("dns:\n  nameservers: [%q, %q]\nmanifests:\n  wait: 3m\n  certManager:\n    install: bundle\n    bundle: %s\n"+
			"  acme:\n    email: ops@lab.test\n    server: %s\n    caBundleFile: %s\n%s"+
			"checks:\n  ports:\n  tls:\n    caFile: %s\n",
			l.Nameservers[0], l.Nameservers[1], filepath.Join(dir, "cert-manager.yaml"), pebble.DirectoryURL,
			filepath.Join(dir, "pebble-ca.pem"), manifests, filepath.Join(dir, "pebble-roots.pem"))
		return writePlaybook(t, l, l.KnownHostsFile, top, hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)})
	}
	withEgress := playbook("  ingress:\n    service: web\n  network:\n    restrictEgress: true\n")
	var outputs []string
	run := func(args ...string) (result, report.Host, []event.Event) {
		t.Helper()
		start := time.Now()
		r := ck8sctl(t, append(args, "--db", db, "-o", "json")...)
		outputs = append(outputs, r.stdout, r.stderr)
		rep := r.report(t)
		t.Logf("%v: exit %d in %s", args, r.code, time.Since(start).Round(time.Millisecond))
		return r, rep.Hosts[0], storedEvents(t, db, rep.ID)
	}

	// 1. Fresh host: cert-manager is installed by the bundle; its
	// controller starts once the CRDs are served, like its Deployment.
	type outcome struct{ r result }
	t0 := time.Now()
	first := make(chan outcome, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		first <- outcome{r: ck8sctl(t, "bootstrap", "-p", withEgress, "--db", db, "-o", "json")}
	}()
	if waitCRD(ctx, t, dyn, "clusterissuers.cert-manager.io", done) {
		cp.StartCertManager(t, l.Nameservers)
	}
	o := <-first
	outputs = append(outputs, o.r.stdout, o.r.stderr)
	rep := o.r.report(t)
	res, evs := rep.Hosts[0], storedEvents(t, db, rep.ID)
	logEvents(t, "fresh", evs)
	t.Logf("fresh bootstrap: %s in all", time.Since(t0).Round(time.Millisecond))
	if o.r.code != ExitOK || res.Status != phase.StatusOK {
		t.Fatalf("fresh bootstrap: exit %d, %s: %s\n%s\ncert-manager: %v", o.r.code, res.Status, res.Error, o.r.stderr, cp.CertManagerAlive())
	}
	applied := requireEvent(t, evs, event.TypeManifestsApplied, event.StatusChanged)
	var ar struct {
		Kubeconfig string
		Changed    int
		Objects    []struct{ Kind, Name, Source, Action string }
	}
	json.Unmarshal(applied.Data, &ar)
	if ar.Kubeconfig != "/etc/rancher/k3s/k3s.yaml" || ar.Changed < 10 {
		t.Errorf("applied: kubeconfig %q, %d changed", ar.Kubeconfig, ar.Changed)
	}
	for _, want := range []string{"CustomResourceDefinition", "ClusterIssuer", "Certificate", "Ingress", "NetworkPolicy"} {
		if !slices.ContainsFunc(ar.Objects, func(o struct{ Kind, Name, Source, Action string }) bool {
			return o.Kind == want && o.Action == "created" && o.Source != ""
		}) {
			t.Errorf("applied: no %s created", want)
		}
	}
	requireEvent(t, evs, event.TypeHTTP01Passed, event.StatusOK)
	requireEvent(t, evs, event.TypeCertIssuerReady, event.StatusOK)
	ready := requireEvent(t, evs, event.TypeCertCertificateReady, event.StatusOK)
	if !strings.Contains(ready.Message, "staging.lab.test") || !strings.Contains(ready.Message, "staging-tls") {
		t.Errorf("certificate.ready: %s", ready.Message)
	}
	if len(res.TLS) != 2 {
		t.Fatalf("TLS check: %d reports, want IPv4 and IPv6", len(res.TLS))
	}
	for _, tr := range res.TLS {
		if !tr.Passed || !tr.ChainVerified || !tr.Staging {
			t.Errorf("TLS check at %s: passed %t, chain verified %t, staging CA %t: %+v", tr.Addr, tr.Passed, tr.ChainVerified, tr.Staging, tr)
		}
	}
	for _, f := range res.Scan {
		if !slices.Equal(f.Open, []uint16{22, 80, 443}) {
			t.Errorf("scan of %s: open %v, want exactly 22, 80, 443 (the API server listens on the host's loopback only)", f.Target, f.Open)
		}
	}
	if len(res.Scan) < 2 {
		t.Errorf("scan: %d addresses", len(res.Scan))
	}

	// 2. A re-run changes nothing.
	r, res, evs := run("bootstrap", "-p", withEgress)
	if r.code != ExitOK {
		t.Fatalf("re-run: exit %d: %s\n%s", r.code, res.Error, r.stderr)
	}
	if e := requireEvent(t, evs, event.TypeManifestsCompliant, event.StatusOK); !strings.Contains(e.Message, "0 changes") {
		t.Errorf("re-run: %s", e.Message)
	}
	if find(evs, event.TypeManifestsApplied) != nil {
		t.Error("re-run applied something")
	}
	requireEvent(t, evs, event.TypeCertCertificateReady, event.StatusOK)

	// 3. A field edited by hand is drift: --check reports it and leaves it.
	iss, err := dyn.Resource(gvrClusterIssuer).Get(ctx, "acme", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	unstructured.SetNestedField(iss.Object, "someone@lab.test", "spec", "acme", "email")
	if _, err := dyn.Resource(gvrClusterIssuer).Update(ctx, iss, metav1.UpdateOptions{FieldManager: "kubectl-edit"}); err != nil {
		t.Fatal(err)
	}
	r, res, evs = run("bootstrap", "--check", "-p", withEgress)
	drift := requireEvent(t, evs, event.TypeManifestsDrift, event.StatusFailed)
	if r.code != ExitFailed || !strings.Contains(res.Error, "manifests drift") ||
		!strings.Contains(string(drift.Data), `-    email: someone@lab.test`) || !strings.Contains(string(drift.Data), `+    email: ops@lab.test`) {
		t.Errorf("check: exit %d, %q, drift %s", r.code, res.Error, drift.Data)
	}
	if email := issuerEmail(ctx, t, dyn); email != "someone@lab.test" {
		t.Errorf("check mode changed the ClusterIssuer: email %q", email)
	}
	if m := res.Manifests; m == nil || !strings.Contains(m.Diff, "ClusterIssuer acme (updated)") || !strings.Contains(m.Diff, "+    email: ops@lab.test") {
		t.Errorf("check: the report's manifests diff %+v", m)
	}

	// 3b. A sweep of the drifted host finds the drift and the certificate's
	// days left, and changes nothing: no object's resourceVersion moves
	// (cert-manager's own objects, whose status its controller may still
	// update, by generation, and the hand edit stays).
	before := objectVersions(ctx, t, dyn)
	r, res, evs = run("sweep", "-p", withEgress)
	if r.code != ExitFailed || res.Verdict != report.NonCompliant || !slices.Contains(codes(res), phase.CodeManifestsDrift) {
		t.Errorf("sweep: exit %d, verdict %s, findings %+v\n%s", r.code, res.Verdict, res.Findings, r.stderr)
	}
	if days, ok := report.MinCertDays(res); !ok || days < 1 {
		t.Errorf("sweep: certificate days %d (seen %t)", days, ok)
	}
	if find(evs, event.TypeManifestsApplied) != nil || find(evs, event.TypeFirewallApplied) != nil {
		t.Error("the sweep applied something")
	}
	if after := objectVersions(ctx, t, dyn); !maps.Equal(before, after) {
		t.Errorf("the sweep changed Kubernetes objects:\nbefore %v\nafter  %v", before, after)
	}
	if email := issuerEmail(ctx, t, dyn); email != "someone@lab.test" {
		t.Errorf("the sweep changed the ClusterIssuer: email %q", email)
	}

	// 4. A real run corrects it; the egress policies dropped from the
	// playbook are reported as left behind and left in place.
	r, res, evs = run("bootstrap", "-p", playbook("  ingress:\n    service: web\n"))
	if r.code != ExitOK {
		t.Fatalf("correcting run: exit %d: %s\n%s", r.code, res.Error, r.stderr)
	}
	requireEvent(t, evs, event.TypeManifestsDrift, event.StatusInfo)
	requireEvent(t, evs, event.TypeManifestsApplied, event.StatusChanged)
	if email := issuerEmail(ctx, t, dyn); email != "ops@lab.test" {
		t.Errorf("drift not corrected: email %q", email)
	}
	lb := requireEvent(t, evs, event.TypeManifestsLeftBehind, event.StatusInfo)
	for _, want := range []string{"NetworkPolicy/default-deny-egress -n default", "NetworkPolicy/allow-dns-egress -n default"} {
		if !strings.Contains(lb.Message, want) {
			t.Errorf("left behind %q misses %s", lb.Message, want)
		}
	}
	if _, err := dyn.Resource(gvrPolicy).Namespace("default").Get(ctx, "default-deny-egress", metav1.GetOptions{}); err != nil {
		t.Errorf("a dropped object was deleted: %v", err)
	}

	// 5. A manifest the API server rejects stops the apply at that object,
	// named with its bundle line: the Ingress change after it is not made.
	writeFile(t, filepath.Join(dir, "cert-manager.yaml"), bundle+"---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ck8s-bad\n  namespace: cert-manager\ndata:\n  key: {nested: map}\n")
	badLine := strings.Count(bundle, "\n") + 2
	r, res, evs = run("bootstrap", "-p", playbook("  ingress:\n    service: web\n    servicePort: 8080\n"))
	logEvents(t, "rejected", evs)
	failed := requireEvent(t, evs, event.TypeManifestsApplied, event.StatusFailed)
	wantSrc := fmt.Sprintf("bundle cert-manager.yaml:%d: ConfigMap cert-manager/ck8s-bad: ", badLine)
	if r.code != ExitFailed || !strings.Contains(failed.Message, wantSrc) || !strings.Contains(res.Error, wantSrc) {
		t.Errorf("rejected manifest: exit %d, event %q, error %q; want %q", r.code, failed.Message, res.Error, wantSrc)
	}
	ing, err := dyn.Resource(gvrIngress).Namespace("default").Get(ctx, "staging", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if port := ingressPort(ing); port != 80 {
		t.Errorf("the Ingress after the rejected object was changed: service port %d", port)
	}

	// The admin client key of the host's kubeconfig is nowhere.
	kc, err := clientcmd.Load(cp.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var secrets []string
	for _, a := range kc.AuthInfos {
		secrets = append(secrets, string(a.ClientKeyData), base64.StdEncoding.EncodeToString(a.ClientKeyData))
	}
	all := storedEvents(t, db, "")
	raw, _ := json.Marshal(all)
	for _, s := range secrets {
		if s == "" {
			t.Fatal("the kubeconfig has no client key: the test proves nothing")
		}
		for i, out := range append(outputs, string(raw)) {
			if strings.Contains(out, strings.TrimSpace(s)) || strings.Contains(out, "PRIVATE KEY-----\n") {
				t.Errorf("output %d contains the kubeconfig's client key", i)
			}
		}
	}
}

var gvrCertificate = schema.GroupVersionResource{Group: "cert-manager.io", Version: "v1", Resource: "certificates"}

// objectVersions maps every object the manifests step manages (and the
// CRDs it installed) to its resourceVersion; cert-manager's ClusterIssuers
// and Certificates to their generation, since the controller may still
// write their status on its own.
func objectVersions(ctx context.Context, t *testing.T, dyn dynamic.Interface) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, g := range []schema.GroupVersionResource{gvrIngress, gvrPolicy, gvrCRD, gvrClusterIssuer, gvrCertificate} {
		list, err := dyn.Resource(g).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("listing %s: %v", g.Resource, err)
		}
		for _, o := range list.Items {
			v := o.GetResourceVersion()
			if g == gvrClusterIssuer || g == gvrCertificate {
				v = fmt.Sprintf("generation %d", o.GetGeneration())
			}
			out[g.Resource+"/"+o.GetNamespace()+"/"+o.GetName()] = v
		}
	}
	return out
}
