package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	gvrEdgeNamespace = schema.GroupVersionResource{Version: "v1", Resource: "namespaces"}
	gvrEdgeWebhook   = schema.GroupVersionResource{Group: "admissionregistration.k8s.io", Version: "v1", Resource: "validatingwebhookconfigurations"}
)

// TestManifestsEdge proves how the manifests step behaves at its edges,
// against a real kube-apiserver (with etcd) on a lab host's loopback, as
// a user sees it (exit code, events, the run report) and as the cluster
// shows it afterwards. No cert-manager controller runs, so issuance never
// completes; a 404 server on the host's port 80 lets the http-01
// rehearsal pass (occupied mode), and nothing serves 443.
//
// In order, on one cluster:
//   - no kubeconfig at the k3s or kubeadm path: the step fails naming both
//     paths and the key to set; nothing reaches the API;
//   - --check on the fresh cluster (kubeconfig from manifests.kubeconfig):
//     drift, exit 1, cert-manager's kinds "unverified" (their CRDs do not
//     exist yet), and nothing created;
//   - install: helmchart without k3s's helm controller: the step fails at
//     the HelmChart with the hint to use bundle or none; the Ingress after
//     it is not created;
//   - the explicit manifests.kubeconfig works: a real run installs the
//     bundle and the ClusterIssuer, then times out on issuance;
//   - with everything in place and wait: 5s the issuance fails within
//     about the wait, saying why;
//   - a validating webhook for ClusterIssuers that does not answer yet
//     (like cert-manager's right after install) is waited for, with
//     backoff, and the ClusterIssuer goes through it once it answers;
//   - a webhook that denies is not retried: the step fails at once with
//     the denial and the object's source line;
//   - a kubeconfig whose server refuses connections fails the step;
//   - neither the admin client key nor a kubeconfig token ever reaches the
//     events, the database or the output of any of these runs.
func TestManifestsEdge(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	k8senv.Require(t)
	t0 := time.Now()
	l := labtest.NewWith(t, 1, func(o *lab.Options) { labtest.WithDNS(o); o.ListenerArgv = nil })
	h := l.Hosts[0]
	cp := k8senv.StartControlPlane(t, h.NetNS)
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	t.Logf("lab and control plane up in %s", time.Since(t0).Round(time.Millisecond))

	// Something answers HTTP on the host's port 80, as traefik would: the
	// http-01 rehearsal passes in occupied mode.
	ln80, err := k8senv.Listen(h.NetNS, "tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	srv80 := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv80.Serve(ln80)
	t.Cleanup(func() { srv80.Close() })

	dir := t.TempDir()
	bundle, err := k8senv.CertManagerBundle()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "cert-manager.yaml"), bundle)
	db := filepath.Join(dir, "ck8s.db")
	const kcPath = "/etc/ck8s-test/kubeconfig"
	viaBundle := fmt.Sprintf("    install: bundle\n    bundle: %s\n", filepath.Join(dir, "cert-manager.yaml"))
	// playbook: kubeconfig "" searches the usual paths.
	playbook := func(kubeconfig, certManager, wait string) string {
		var kc string
		if kubeconfig != "" {
			kc = "  kubeconfig: " + kubeconfig + "\n"
		}
		top := fmt.Sprintf("dns:\n  nameservers: [%q, %q]\nmanifests:\n%s  wait: %s\n  certManager:\n%s"+
			"  acme:\n    email: ops@lab.test\n    server: https://acme.lab.test/directory\n  ingress:\n    service: web\n",
			l.Nameservers[0], l.Nameservers[1], kc, wait, certManager)
		return writePlaybook(t, l, l.KnownHostsFile, top, hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)})
	}
	var (
		outMu   sync.Mutex
		outputs []string
	)
	type run struct {
		r   result
		res report.Host
		evs []event.Event
	}
	bootstrap := func(name string, args ...string) run {
		t.Helper()
		start := time.Now()
		r := ck8sctl(t, append(append([]string{"bootstrap"}, args...), "--db", db, "-o", "json")...)
		dur := time.Since(start)
		outMu.Lock()
		outputs = append(outputs, r.stdout, r.stderr)
		outMu.Unlock()
		rep := r.report(t)
		evs := storedEvents(t, db, rep.ID)
		logEvents(t, name, evs)
		t.Logf("%s: exit %d in %s: %s", name, r.code, dur.Round(time.Millisecond), rep.Hosts[0].Error)
		return run{r: r, res: rep.Hosts[0], evs: evs}
	}
	absent := func(what string, gvr schema.GroupVersionResource, ns, name string) {
		t.Helper()
		var err error
		if ns == "" {
			_, err = dyn.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
		} else {
			_, err = dyn.Resource(gvr).Namespace(ns).Get(ctx, name, metav1.GetOptions{})
		}
		if !apierrors.IsNotFound(err) {
			t.Errorf("%s exists in the API (or cannot be read: %v)", what, err)
		}
	}
	noCertManager := func() {
		t.Helper()
		absent("Namespace cert-manager", gvrEdgeNamespace, "", "cert-manager")
		absent("CRD clusterissuers.cert-manager.io", gvrCRD, "", "clusterissuers.cert-manager.io")
		absent("Ingress default/staging", gvrIngress, "default", "staging")
	}
	var issuerSource string // where the ClusterIssuer comes from, deploy/FILE:LINE

	t.Run("KubeconfigMissing", func(t *testing.T) {
		onHost(t, l, h, "test ! -e /etc/rancher/k3s/k3s.yaml && test ! -e /etc/kubernetes/admin.conf")
		o := bootstrap("no-kubeconfig", "-p", playbook("", viaBundle, "30s"))
		st := edgeStep(o.res, "manifests")
		for _, want := range []string{"no kubeconfig on the host", "/etc/rancher/k3s/k3s.yaml", "/etc/kubernetes/admin.conf", "manifests.kubeconfig"} {
			if !strings.Contains(o.res.Error, want) || !strings.Contains(st.Message, want) {
				t.Errorf("host error %q / manifests step %q: want %q", o.res.Error, st.Message, want)
			}
		}
		if o.r.code != ExitFailed || st.Status != event.StatusFailed {
			t.Errorf("exit %d, manifests step %q; want 1, failed", o.r.code, st.Status)
		}
		requireEvent(t, o.evs, event.TypeHTTP01Passed, event.StatusOK) // so the step ran up to the kubeconfig
		for _, typ := range []string{event.TypeManifestsApplied, event.TypeManifestsCompliant, event.TypeManifestsDrift, event.TypeCertFailed} {
			if e := find(o.evs, typ); e != nil {
				t.Errorf("without a kubeconfig: %s %s: %s", e.Type, e.Status, e.Message)
			}
		}
		noCertManager()
	})

	// From here on the kubeconfig is where only manifests.kubeconfig says.
	onHost(t, l, h, "mkdir -p /etc/ck8s-test && echo "+base64.StdEncoding.EncodeToString(cp.Kubeconfig)+" | base64 -d > "+kcPath+" && chmod 600 "+kcPath)

	t.Run("CheckFreshCluster", func(t *testing.T) {
		o := bootstrap("check-fresh", "--check", "-p", playbook(kcPath, viaBundle, "30s"))
		drift := requireEvent(t, o.evs, event.TypeManifestsDrift, event.StatusFailed)
		var d struct {
			Kubeconfig string
			Objects    []struct{ Kind, Namespace, Name, Source, Action string }
		}
		if err := json.Unmarshal(drift.Data, &d); err != nil {
			t.Fatalf("drift data: %v: %s", err, drift.Data)
		}
		actions := map[string]string{}
		for _, ob := range d.Objects {
			actions[ob.Kind+" "+ob.Name] = ob.Action
		}
		for obj, want := range map[string]string{
			"Namespace cert-manager":                                  "created",
			"CustomResourceDefinition clusterissuers.cert-manager.io": "created",
			"Ingress staging":                                         "created",
			"ClusterIssuer acme":                                      "unverified",
			"Certificate staging":                                     "unverified",
		} {
			if actions[obj] != want {
				t.Errorf("check mode: %s is %q, want %q (all: %v)", obj, actions[obj], want, actions)
			}
		}
		if d.Kubeconfig != kcPath {
			t.Errorf("check mode used kubeconfig %q, want %s", d.Kubeconfig, kcPath)
		}
		m := o.res.Manifests
		if o.r.code != ExitFailed || m == nil || m.State != phase.ManifestsDrift ||
			!strings.Contains(m.Diff, "ClusterIssuer acme (unverified)") || !strings.Contains(o.res.Error, "manifests drift") {
			t.Errorf("check: exit %d, error %q, manifests outcome %+v", o.r.code, o.res.Error, m)
		}
		if e := find(o.evs, event.TypeManifestsApplied); e != nil {
			t.Errorf("check mode applied: %s", e.Message)
		}
		noCertManager()
	})

	t.Run("HelmChartWithoutK3s", func(t *testing.T) {
		o := bootstrap("helmchart", "-p", playbook(kcPath, "    install: helmchart\n    version: v1.21.2\n", "30s"))
		failed := requireEvent(t, o.evs, event.TypeManifestsApplied, event.StatusFailed)
		for _, want := range []string{"deploy/cert-manager-helmchart.yaml:", "HelmChart kube-system/cert-manager", "helm.cattle.io",
			"k3s's helm controller", "set manifests.certManager.install to bundle or none"} {
			if !strings.Contains(failed.Message, want) || !strings.Contains(o.res.Error, want) {
				t.Errorf("helmchart: event %q / host error %q: want %q", failed.Message, o.res.Error, want)
			}
		}
		if st := edgeStep(o.res, "manifests"); o.r.code != ExitFailed || st.Status != event.StatusFailed {
			t.Errorf("helmchart: exit %d, manifests step %q; want 1, failed", o.r.code, st.Status)
		}
		if st := edgeStep(o.res, "manifests"); st.Duration > 15*time.Second {
			t.Errorf("helmchart: a kind nobody serves took %s to fail (wait: 30s)", st.Duration)
		}
		noCertManager()
	})

	t.Run("ExplicitKubeconfigApplies", func(t *testing.T) {
		o := bootstrap("explicit-kubeconfig", "-p", playbook(kcPath, viaBundle, "15s"))
		applied := requireEvent(t, o.evs, event.TypeManifestsApplied, event.StatusChanged)
		var a struct {
			Kubeconfig, Server string
			Objects            []struct{ Kind, Name, Source, Action string }
		}
		json.Unmarshal(applied.Data, &a)
		if a.Kubeconfig != kcPath || a.Server != k8senv.APIServerURL {
			t.Errorf("applied through kubeconfig %q, server %q; want %s, %s", a.Kubeconfig, a.Server, kcPath, k8senv.APIServerURL)
		}
		for _, ob := range a.Objects {
			if ob.Kind == "ClusterIssuer" && ob.Action == "created" {
				issuerSource = ob.Source
			}
		}
		if !strings.HasPrefix(issuerSource, "deploy/clusterissuer.yaml:") {
			t.Errorf("no ClusterIssuer created from deploy/clusterissuer.yaml: %+v", a.Objects)
		}
		if _, err := dyn.Resource(gvrClusterIssuer).Get(ctx, "acme", metav1.GetOptions{}); err != nil {
			t.Errorf("ClusterIssuer acme: %v", err)
		}
		requireEvent(t, o.evs, event.TypeCertFailed, event.StatusFailed)
		if o.r.code != ExitFailed {
			t.Errorf("exit %d without a certificate, want 1", o.r.code)
		}
	})

	t.Run("IssuanceTimesOut", func(t *testing.T) {
		o := bootstrap("timeout", "-p", playbook(kcPath, viaBundle, "5s"))
		if e := requireEvent(t, o.evs, event.TypeManifestsCompliant, event.StatusOK); !strings.Contains(e.Message, "0 changes") {
			t.Errorf("compliant: %s", e.Message)
		}
		f := requireEvent(t, o.evs, event.TypeCertFailed, event.StatusFailed)
		if !strings.Contains(f.Message, "Certificate default/staging not ready after") || !strings.Contains(f.Message, "is cert-manager running?") {
			t.Errorf("cert.failed: %q", f.Message)
		}
		st := edgeStep(o.res, "manifests")
		if o.r.code != ExitFailed || st.Status != event.StatusFailed ||
			!strings.Contains(o.res.Error, "certificate default/staging not ready within manifests.wait") {
			t.Errorf("exit %d, manifests step %q, error %q", o.r.code, st.Status, o.res.Error)
		}
		if m := o.res.Manifests; m == nil || m.Certificate != "failed" || m.CertificateMessage != f.Message {
			t.Errorf("report's manifests outcome: %+v", m)
		}
		// The step gives up at its wait, not minutes later.
		if st.Duration < 4*time.Second || st.Duration > 20*time.Second {
			t.Errorf("manifests step took %s with wait: 5s", st.Duration)
		}
	})

	t.Run("WebhookNotAnsweringYet", func(t *testing.T) {
		// A fresh ClusterIssuer, so it is created through the webhook.
		if err := dyn.Resource(gvrClusterIssuer).Delete(ctx, "acme", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		wh := startEdgeWebhook(t, h.NetNS, "127.0.0.1:9443", "")
		registerEdgeWebhook(ctx, t, dyn, "not-yet.edge.ck8s.test", "https://127.0.0.1:9443/validate", wh.caPEM, "failed calling webhook")
		defer dyn.Resource(gvrEdgeWebhook).Delete(ctx, "not-yet.edge.ck8s.test", metav1.DeleteOptions{})
		// It answers once 8 s of the run have passed and the run has been
		// turned away for 2 s, however long the run takes to get there.
		wh.begin()
		o := bootstrap("webhook-not-yet", "-p", playbook(kcPath, viaBundle, "30s"))
		refused, reviewed := wh.counts()
		t.Logf("webhook: %d connections closed unanswered, %d reviews answered", refused, reviewed)
		// One event for the wait, not one per retry (each attempt's error
		// names a new client port).
		var waits int
		for _, e := range o.evs {
			if e.Type == event.TypeManifestsWaiting && strings.Contains(e.Message, "ClusterIssuer acme: the API server is not accepting it yet") &&
				strings.Contains(e.Message, `failed calling webhook "not-yet.edge.ck8s.test"`) {
				waits++
			}
		}
		if waits != 1 || refused < 2 {
			t.Errorf("%d manifests.waiting events for the ClusterIssuer the webhook turned away %d times, want 1", waits, refused)
		}
		if reviewed == 0 {
			t.Error("the webhook never reviewed the ClusterIssuer")
		}
		applied := requireEvent(t, o.evs, event.TypeManifestsApplied, event.StatusChanged)
		var a struct {
			Objects []struct{ Kind, Name, Source, Action string }
		}
		json.Unmarshal(applied.Data, &a)
		if !slices.Contains(a.Objects, struct{ Kind, Name, Source, Action string }{"ClusterIssuer", "acme", issuerSource, "created"}) {
			t.Errorf("applied: no ClusterIssuer created from %s: %+v", issuerSource, a.Objects)
		}
		if _, err := dyn.Resource(gvrClusterIssuer).Get(ctx, "acme", metav1.GetOptions{}); err != nil {
			t.Errorf("ClusterIssuer acme: %v", err)
		}
		f := requireEvent(t, o.evs, event.TypeCertFailed, event.StatusFailed)
		if !strings.Contains(f.Message, "is cert-manager running?") {
			t.Errorf("cert.failed: %q", f.Message)
		}
	})

	t.Run("WebhookDenies", func(t *testing.T) {
		const denial = "ck8s-edge-test: ClusterIssuers are frozen"
		wh := startEdgeWebhook(t, h.NetNS, "127.0.0.1:9444", denial)
		wh.open()
		registerEdgeWebhook(ctx, t, dyn, "deny.edge.ck8s.test", "https://127.0.0.1:9444/validate", wh.caPEM, denial)
		defer dyn.Resource(gvrEdgeWebhook).Delete(ctx, "deny.edge.ck8s.test", metav1.DeleteOptions{})
		o := bootstrap("webhook-denies", "-p", playbook(kcPath, viaBundle, "60s"))
		failed := requireEvent(t, o.evs, event.TypeManifestsApplied, event.StatusFailed)
		want := issuerSource + ": ClusterIssuer acme: "
		for _, s := range []string{want, "denied the request", denial} {
			if !strings.Contains(failed.Message, s) || !strings.Contains(o.res.Error, s) {
				t.Errorf("denied: event %q / host error %q: want %q", failed.Message, o.res.Error, s)
			}
		}
		for _, e := range o.evs {
			if e.Type == event.TypeManifestsWaiting {
				t.Errorf("a denial was retried: %s", e.Message)
			}
		}
		st := edgeStep(o.res, "manifests")
		if o.r.code != ExitFailed || st.Status != event.StatusFailed || st.Duration > 15*time.Second {
			t.Errorf("denied: exit %d, manifests step %q after %s; want 1, failed, well before the 60s wait", o.r.code, st.Status, st.Duration)
		}
		if _, reviewed := wh.counts(); reviewed == 0 {
			t.Error("the denying webhook was never called")
		}
		if find(o.evs, event.TypeCertFailed) != nil {
			t.Error("issuance was followed after the apply failed")
		}
	})

	token := edgeRandomHex(t, 32)
	t.Run("BrokenKubeconfig", func(t *testing.T) {
		broken := "apiVersion: v1\nkind: Config\nclusters:\n- name: broken\n  cluster:\n    server: https://127.0.0.1:1\n    insecure-skip-tls-verify: true\n" +
			"users:\n- name: broken\n  user:\n    token: " + token + "\ncontexts:\n- name: broken\n  context: {cluster: broken, user: broken}\ncurrent-context: broken\n"
		onHost(t, l, h, "echo "+base64.StdEncoding.EncodeToString([]byte(broken))+" | base64 -d > /etc/ck8s-test/broken && chmod 600 /etc/ck8s-test/broken")
		o := bootstrap("broken-kubeconfig", "-p", playbook("/etc/ck8s-test/broken", viaBundle, "30s"))
		st := edgeStep(o.res, "manifests")
		for _, want := range []string{"the API server https://127.0.0.1:1 (kubeconfig /etc/ck8s-test/broken) does not answer", "connection refused"} {
			if !strings.Contains(o.res.Error, want) {
				t.Errorf("host error %q: want %q", o.res.Error, want)
			}
		}
		if o.r.code != ExitFailed || st.Status != event.StatusFailed {
			t.Errorf("exit %d, manifests step %q; want 1, failed", o.r.code, st.Status)
		}
	})

	t.Run("NoCredentialsInOutput", func(t *testing.T) {
		kc, err := clientcmd.Load(cp.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		secrets := []string{token, base64.StdEncoding.EncodeToString([]byte(token))}
		for _, a := range kc.AuthInfos {
			if len(a.ClientKeyData) == 0 {
				t.Fatal("the kubeconfig has no client key: the test proves nothing")
			}
			secrets = append(secrets, strings.TrimSpace(string(a.ClientKeyData)), base64.StdEncoding.EncodeToString(a.ClientKeyData))
			// The key's PEM body alone, as a line of it could be quoted.
			if b, _ := pem.Decode(a.ClientKeyData); b != nil {
				secrets = append(secrets, base64.StdEncoding.EncodeToString(b.Bytes)[:64])
			}
		}
		all := storedEvents(t, db, "")
		raw, _ := json.Marshal(all)
		outMu.Lock()
		defer outMu.Unlock()
		if len(outputs) < 16 {
			t.Fatalf("only %d outputs recorded: the earlier runs did not all run", len(outputs))
		}
		for i, out := range append(outputs, string(raw)) {
			for j, s := range secrets {
				if strings.Contains(out, s) {
					t.Errorf("output %d (of %d, the last is the stored events) contains credential %d", i, len(outputs)+1, j)
				}
			}
			if strings.Contains(out, "PRIVATE KEY-----") {
				t.Errorf("output %d contains a private key", i)
			}
		}
	})
	t.Logf("TestManifestsEdge: %s in all", time.Since(t0).Round(time.Millisecond))
}

// edgeStep is the named step of a host's result (zero when it did not run).
func edgeStep(res report.Host, name string) report.Step {
	for _, s := range res.Steps {
		if s.Name == name {
			return s
		}
	}
	return report.Step{}
}

func edgeRandomHex(t *testing.T, n int) string {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b)
}

// edgeWebhook is a validating admission webhook inside a lab host's
// namespace. Until it opens it accepts connections and closes them at
// once, as a webhook whose pod is not ready yet (the API server fails
// the call); then it answers every AdmissionReview, allowing or denying.
type edgeWebhook struct {
	caPEM []byte
	deny  string

	mu       sync.Mutex
	serving  bool
	started  time.Time // begin: the bootstrap run started
	first    time.Time // the first connection refused since begin
	refused  int
	reviewed int
}

// startEdgeWebhook serves a webhook on addr (an IP:port inside netns)
// with a certificate for that IP from a CA of its own (caPEM).
func startEdgeWebhook(t *testing.T, netns, addr, deny string) *edgeWebhook {
	t.Helper()
	host, _, _ := net.SplitHostPort(addr)
	caPEM, cert := edgeServingCert(t, net.ParseIP(host))
	w := &edgeWebhook{caPEM: caPEM, deny: deny}
	ln, err := k8senv.Listen(netns, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(w.review), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0),
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}}
	go srv.ServeTLS(edgeGate{ln, w}, "", "")
	t.Cleanup(func() { srv.Close() })
	return w
}

// begin marks the start of the run the webhook is late for.
func (w *edgeWebhook) begin() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.started, w.first, w.refused = time.Now(), time.Time{}, 0
}

// open makes the webhook answer from now on.
func (w *edgeWebhook) open() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.serving = true
}

// admit says whether to serve a new connection: once 8 s have passed
// since begin and the API server has been turned away for 2 s (so the
// run has met the webhook not answering, however slow its start was).
func (w *edgeWebhook) admit() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	now := time.Now()
	if !w.serving && !w.started.IsZero() {
		if w.first.IsZero() {
			w.first = now
		}
		w.serving = now.Sub(w.started) >= 8*time.Second && now.Sub(w.first) >= 2*time.Second
	}
	if !w.serving {
		w.refused++
	}
	return w.serving
}

func (w *edgeWebhook) counts() (refused, reviewed int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.refused, w.reviewed
}

func (w *edgeWebhook) review(rw http.ResponseWriter, r *http.Request) {
	var req struct {
		Request struct {
			UID string `json:"uid"`
		} `json:"request"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	w.mu.Lock()
	w.reviewed++
	w.mu.Unlock()
	resp := map[string]any{"uid": req.Request.UID, "allowed": w.deny == ""}
	if w.deny != "" {
		resp["status"] = map[string]any{"code": 403, "message": w.deny}
	}
	rw.Header().Set("Content-Type", "application/json")
	json.NewEncoder(rw).Encode(map[string]any{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": resp})
}

// edgeGate closes the connections its webhook does not admit yet.
type edgeGate struct {
	net.Listener
	w *edgeWebhook
}

func (g edgeGate) Accept() (net.Conn, error) {
	for {
		c, err := g.Listener.Accept()
		if err != nil || g.w.admit() {
			return c, err
		}
		c.Close()
	}
}

// registerEdgeWebhook registers a ValidatingWebhookConfiguration for
// ClusterIssuer creates and updates calling url, then waits until the
// API server uses it: a dry-run create fails with an error containing
// want.
func registerEdgeWebhook(ctx context.Context, t *testing.T, dyn dynamic.Interface, name, url string, caPEM []byte, want string) {
	t.Helper()
	cfg := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
		"metadata": map[string]any{"name": name},
		"webhooks": []any{map[string]any{
			"name": name, "failurePolicy": "Fail", "sideEffects": "None", "timeoutSeconds": int64(5),
			"admissionReviewVersions": []any{"v1"},
			"rules": []any{map[string]any{
				"apiGroups": []any{"cert-manager.io"}, "apiVersions": []any{"*"},
				"resources": []any{"clusterissuers"}, "operations": []any{"CREATE", "UPDATE"},
			}},
			"clientConfig": map[string]any{"url": url, "caBundle": base64.StdEncoding.EncodeToString(caPEM)},
		}},
	}}
	if _, err := dyn.Resource(gvrEdgeWebhook).Create(ctx, cfg, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	probe := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "cert-manager.io/v1", "kind": "ClusterIssuer",
		"metadata": map[string]any{"name": "edge-probe"}, "spec": map[string]any{"selfSigned": map[string]any{}},
	}}
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := dyn.Resource(gvrClusterIssuer).Create(ctx, probe, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && strings.Contains(err.Error(), want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("webhook %s not in use after 30s: dry-run create: %v", name, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// edgeServingCert makes a CA and a serving certificate for ip signed by it
// (tlstest issues DNS names only).
func edgeServingCert(t *testing.T, ip net.IP) (caPEM []byte, cert tls.Certificate) {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ck8s edge webhook CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: ip.String()}, IPAddresses: []net.IP{ip},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
