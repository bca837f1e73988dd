package cli

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log"
	"maps"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8s/ck8sctl/internal/k8senv"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// TestCanaryLab is issue 14's end-to-end canary: ten secrets planted
// where ck8sctl really meets them (the playbook, the SSH key's
// passphrase, the host's kubeconfig, a bundle Secret and its live
// drift, an API server's rejection, a ProxyCommand's stderr, a database
// URL), then bootstrap (check and real, failing), harden (unreachable,
// then fine), sweep and events run against a lab host with a real
// kube-apiserver. Every sink — each command's stdout and JSON log
// (stderr), the reports, `events`, the SQLite file with its -wal and
// -shm after every command, and the host's state dir (agent journal) —
// holds none of the secrets in any encoding (redact.Encodings), while
// each secret's proof word shows its path was taken.
func TestCanaryLab(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	k8senv.Require(t)
	testenv.RequireCommand(t, "ssh-keygen")
	l := labtest.NewWith(t, 1, func(o *lab.Options) { labtest.WithDNS(o); o.ListenerArgv = nil })
	h := l.Hosts[0]
	cp := k8senv.StartControlPlane(t, h.NetNS)
	dyn, err := dynamic.NewForConfig(cp.Config)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	serve404(t, h.NetNS) // traefik's place on :80: the http-01 rehearsal passes

	plants := canaryPlants("")
	kubeconfig, adminKey := hostKubeconfig(t, cp.Kubeconfig, plants[4].secret)
	plants[3].secret = adminKey
	dir := t.TempDir()
	onHost(t, l, h, "mkdir -p /etc/rancher/k3s && echo "+base64.StdEncoding.EncodeToString(kubeconfig)+
		" | base64 -d > /etc/rancher/k3s/k3s.yaml && chmod 600 /etc/rancher/k3s/k3s.yaml")
	liveSecret(ctx, t, dyn, plants[6].secret)
	writeFile(t, filepath.Join(dir, "good.yaml"), canaryBundle(plants[5].secret, ""))
	writeFile(t, filepath.Join(dir, "bad.yaml"), canaryBundle(plants[5].secret, plants[7].secret))
	t.Setenv(passphraseEnv, plants[2].secret)
	key := encryptedKey(t, l, dir, plants[2].secret)
	playbook := func(bundle string) string {
		top := fmt.Sprintf("mask: [\"corp-[0-9]{10}\"]\ndns:\n  nameservers: [%q]\nmanifests:\n  wait: 20s\n  certManager:\n"+
			"    install: bundle\n    bundle: %s\n  acme:\n    email: ops@lab.test\n    server: https://acme.lab.test/directory\n"+
			"  ingress:\n    service: web\n", l.Nameservers[0], filepath.Join(dir, bundle))
		extra := fmt.Sprintf("    expectIPs: [%s, %s]\n    labels:\n      apiToken: %s\n      ticket: %s\n",
			h.Addr4, h.Addr6, plants[0].secret, plants[1].secret)
		return writePlaybook(t, l, l.KnownHostsFile, top, hostSpec{host: h, identityFile: key, extra: extra})
	}
	good, bad := playbook("good.yaml"), playbook("bad.yaml")
	db := filepath.Join(dir, "ck8s.db")
	pgURL := fmt.Sprintf("postgres://ck8s:%s@127.0.0.1:%d/ck8s", plants[9].secret, closedPort(t))
	relay := relayConfig(t, l, dir, plants[8].secret)
	// What was planted, as the tool's inputs hold it: the check below
	// that each secret is really there keeps the canary honest.
	live, err := dyn.Resource(gvrSecret).Namespace("cert-manager").Get(ctx, "db-creds", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	liveData, _, _ := unstructured.NestedString(live.Object, "data", "password")
	planted := string(kubeconfig) + readFiles(t, good, bad, filepath.Join(dir, "good.yaml"), filepath.Join(dir, "bad.yaml"),
		filepath.Join(dir, "relay.sh")) + pgURL + onHost(t, l, h, "echo $(cat /etc/rancher/k3s/k3s.yaml)") + liveData + plants[2].secret

	sinks := map[string]string{}
	steps := []struct {
		name string
		args []string
		ok   bool
	}{
		{"bootstrap-check", []string{"bootstrap", "--check", "-p", good, "--db", db, "-o", "json"}, false},
		{"bootstrap-failing", []string{"bootstrap", "-p", bad, "--db", db, "-o", "json"}, false},
		{"harden-via-relay", []string{"harden", "-p", good, "--db", db, "--ssh-config", relay}, false},
		{"harden", []string{"harden", "-p", good, "--db", db, "-o", "junit"}, true},
		{"sweep", []string{"sweep", "-p", good, "--db", db, "-o", "prometheus"}, false},
		{"events-json", []string{"events", "--db", db, "-o", "json", "--limit", "100000"}, true},
		{"events-table", []string{"events", "--db", db, "--limit", "100000"}, true},
		{"events-postgres", []string{"events", "--db", pgURL}, false},
	}
	for _, s := range steps {
		start := time.Now()
		r := ck8sctl(t, append([]string{"--log-level", "debug", "--log-format", "json"}, s.args...)...)
		t.Logf("%s: exit %d in %s", s.name, r.code, time.Since(start).Round(time.Millisecond))
		if (r.code == ExitOK) != s.ok {
			t.Errorf("%s: exit %d, want success %t\n%s", s.name, r.code, s.ok, tail(r.stderr))
		}
		sinks[s.name+" stdout"], sinks[s.name+" stderr"] = r.stdout, r.stderr
		for _, suffix := range []string{"", "-wal", "-shm"} {
			b, _ := os.ReadFile(db + suffix)
			sinks[s.name+" db"+suffix] = string(b)
		}
	}
	sinks["host state dir"] = readTree(t, l.StateDir(h))
	for i, p := range plants {
		if len(redact.Leaks(planted, p.secret)) == 0 {
			t.Errorf("secret #%d (%s) is not planted", i, p.what)
		}
	}
	requireNoLeak(t, sinks, plants)
}

// requireNoLeak fails t for every secret found in a sink in any encoding
// (naming the secret by number, never quoting it), and for every proof
// that reached no sink.
func requireNoLeak(t *testing.T, sinks map[string]string, plants []plant) {
	t.Helper()
	secrets := make([]string, len(plants))
	for i, p := range plants {
		secrets[i] = p.secret
	}
	names := slices.Sorted(maps.Keys(sinks))
	var all strings.Builder
	for _, n := range names {
		for _, leak := range redact.Leaks(sinks[n], secrets...) {
			t.Errorf("%s: %s", n, leak)
		}
		all.WriteString(sinks[n])
	}
	for i, p := range plants {
		if p.proof != "" && !strings.Contains(all.String(), p.proof) {
			t.Errorf("secret #%d (%s): its proof %q reached no sink: the path was not taken", i, p.what, p.proof)
		}
	}
}

// liveSecret creates the bundle's Secret by hand with another password:
// drift for the check run.
func liveSecret(ctx context.Context, t *testing.T, dyn dynamic.Interface, password string) {
	t.Helper()
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": "cert-manager"}}}
	if _, err := dyn.Resource(gvrEdgeNamespace).Create(ctx, ns, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	s := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
		"metadata": map[string]any{"name": "db-creds", "namespace": "cert-manager"},
		"data":     map[string]any{"password": base64.StdEncoding.EncodeToString([]byte(password)), "user": "YXBw"}}}
	if _, err := dyn.Resource(gvrSecret).Namespace("cert-manager").Create(ctx, s, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// serve404 answers HTTP on netns's port 80 with 404, as an ingress would.
func serve404(t *testing.T, netns string) {
	t.Helper()
	ln, err := k8senv.Listen(netns, "tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.NotFoundHandler(), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
}

// closedPort is a loopback port nothing listens on.
func closedPort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// readTree is every regular file under dir, concatenated.
func readTree(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			c, rerr := os.ReadFile(p)
			b.Write(c)
			return rerr
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func readFiles(t *testing.T, paths ...string) string {
	t.Helper()
	var b strings.Builder
	for _, p := range paths {
		c, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(c)
	}
	return b.String()
}

func tail(s string) string { return s[max(0, len(s)-2000):] }
