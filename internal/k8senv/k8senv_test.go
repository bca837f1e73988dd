package k8senv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

func TestMain(m *testing.M) { labtest.Main(m) }

// newLab is a one-host lab with its DNS server and without the decoy
// listeners, which hold 6443 (and 80/443) on every host.
func newLab(t *testing.T) *lab.Lab {
	t.Helper()
	return labtest.NewWith(t, 1, func(o *lab.Options) {
		labtest.WithDNS(o)
		o.ListenerArgv = nil
	})
}

// TestControlPlane starts etcd and kube-apiserver on a lab host, uses them
// through client-go from the root namespace, checks that nothing outside
// the host reaches the API, and (when built) runs cert-manager against it.
func TestControlPlane(t *testing.T) {
	RequireOnly(t, func(b Binaries) []string { return []string{b.Etcd, b.KubeAPIServer} })
	l := newLab(t)
	h := l.Hosts[0]
	t0 := time.Now()
	cp := StartControlPlane(t, h.NetNS)
	t.Logf("control plane ready in %s; kube-apiserver RSS %s", time.Since(t0).Round(100*time.Millisecond), rss(cp.apiServer))
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()

	t.Run("API", func(t *testing.T) {
		if err := cp.Ready(ctx); err != nil {
			t.Fatal(err)
		}
		cs, err := kubernetes.NewForConfig(cp.Config)
		if err != nil {
			t.Fatal(err)
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "k8senv-test"}}
		if _, err := cs.CoreV1().Namespaces().Create(ctx, ns, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating namespace: %v", err)
		}
		cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "probe"}, Data: map[string]string{"k": "v"}}
		if _, err := cs.CoreV1().ConfigMaps("k8senv-test").Create(ctx, cm, metav1.CreateOptions{}); err != nil {
			t.Fatalf("creating configmap: %v", err)
		}
		got, err := cs.CoreV1().ConfigMaps("k8senv-test").Get(ctx, "probe", metav1.GetOptions{})
		if err != nil || got.Data["k"] != "v" {
			t.Fatalf("reading configmap back = %v, %v", got, err)
		}
		if !strings.Contains(string(cp.Kubeconfig), "server: "+APIServerURL) {
			t.Errorf("kubeconfig does not point at %s:\n%s", APIServerURL, cp.Kubeconfig)
		}
	})

	t.Run("LoopbackOnly", func(t *testing.T) {
		for _, a := range []netip.Addr{h.Addr4, h.Addr6} {
			addr := net.JoinHostPort(a.String(), "6443")
			if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
				c.Close()
				t.Errorf("%s is reachable from the root namespace; the API must be on the host's loopback only", addr)
			}
			// Inside the host, too, only loopback answers.
			if c, err := Dialer(h.NetNS)(ctx, "tcp", addr); err == nil {
				c.Close()
				t.Errorf("%s is reachable inside %s; want 127.0.0.1 only", addr, h.NetNS)
			}
		}
	})

	t.Run("CertManagerCRDs", func(t *testing.T) {
		t0 := time.Now()
		// Twice: Apply is server-side apply, so a second run is a no-op.
		for range 2 {
			if err := cp.InstallCertManagerCRDs(ctx); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("CRDs applied twice and established in %s", time.Since(t0).Round(100*time.Millisecond))
		cs, err := kubernetes.NewForConfig(cp.Config)
		if err != nil {
			t.Fatal(err)
		}
		for _, gv := range []string{"cert-manager.io/v1", "acme.cert-manager.io/v1"} {
			if _, err := cs.Discovery().ServerResourcesForGroupVersion(gv); err != nil {
				t.Errorf("%s not served: %v", gv, err)
			}
		}
	})

	t.Run("CertManager", func(t *testing.T) {
		t0 := time.Now()
		cp.StartCertManager(t, l.Nameservers)
		t.Logf("cert-manager started in %s; RSS %s", time.Since(t0).Round(100*time.Millisecond), rss(cp.certManager))
		// A self-signed certificate needs the issuer, request and
		// issuing controllers all working.
		err := cp.Apply(ctx, []byte(`
apiVersion: cert-manager.io/v1
kind: ClusterIssuer
metadata: {name: selfsigned}
spec: {selfSigned: {}}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: probe, namespace: k8senv-test}
spec:
  secretName: probe-tls
  commonName: probe.example.test
  dnsNames: [probe.example.test]
  issuerRef: {name: selfsigned, kind: ClusterIssuer}
`))
		if err != nil {
			t.Fatal(err)
		}
		cs, err := kubernetes.NewForConfig(cp.Config)
		if err != nil {
			t.Fatal(err)
		}
		for {
			s, err := cs.CoreV1().Secrets("k8senv-test").Get(ctx, "probe-tls", metav1.GetOptions{})
			if err == nil && len(s.Data["tls.crt"]) > 0 {
				t.Logf("certificate issued %s after cert-manager started", time.Since(t0).Round(100*time.Millisecond))
				break
			}
			if err := cp.CertManagerAlive(); err != nil {
				t.Fatal(err)
			}
			select {
			case <-ctx.Done():
				t.Fatalf("no certificate in secret probe-tls: %v (log %s)%s", err, cp.path("cert-manager.log"), logTail(cp.path("cert-manager.log"), 30))
			case <-time.After(250 * time.Millisecond):
			}
		}
		if err := cp.CertManagerAlive(); err != nil {
			t.Fatal(err)
		}
	})
}

// TestPebble starts Pebble on a lab gateway and checks its directory (over
// TLS verified with CACert) and its issuing root.
func TestPebble(t *testing.T) {
	RequireOnly(t, func(b Binaries) []string { return []string{b.Pebble} })
	l := newLab(t)
	t0 := time.Now()
	p := StartPebble(t, PebbleOptions{Listen: l.Gateway4, DNSServer: l.Nameservers[0]})
	t.Logf("pebble ready in %s", time.Since(t0).Round(10*time.Millisecond))

	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(p.CACert) {
		t.Fatal("CACert holds no certificate")
	}
	c, err := tls.Dial("tcp", strings.TrimSuffix(strings.TrimPrefix(p.DirectoryURL, "https://"), "/dir"), &tls.Config{RootCAs: pool})
	if err != nil {
		t.Fatalf("TLS to pebble verified with CACert: %v", err)
	}
	c.Close()
	body, err := p.get(t.Context(), p.DirectoryURL)
	if err != nil || !strings.Contains(string(body), "newOrder") {
		t.Fatalf("directory = %s, %v", body, err)
	}
	roots, err := p.Roots(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(roots)
	if cert, err := x509.ParseCertificate(blk.Bytes); err != nil || !cert.IsCA {
		t.Fatalf("roots: %v (CA %v)", err, cert != nil && cert.IsCA)
	}
}

// rss is a process's resident memory, for the log.
func rss(p *proc) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(p.cmd.Process.Pid) + "/status")
	if err != nil {
		return "unknown"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") {
			return strings.Join(strings.Fields(strings.TrimPrefix(l, "VmRSS:")), " ")
		}
	}
	return "unknown"
}

// TestListen serves on a lab host's :80 from the test process (the way a
// test stands in for an ingress) and reaches it over the lab bridge.
func TestListen(t *testing.T) {
	RequireOnly(t, func(Binaries) []string { return nil })
	l := newLab(t)
	h := l.Hosts[0]
	ln, err := Listen(h.NetNS, "tcp", ":80")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		if c, err := ln.Accept(); err == nil {
			_, _ = c.Write([]byte("hi"))
			c.Close()
		}
	}()
	c, err := net.DialTimeout("tcp", net.JoinHostPort(h.Addr4.String(), "80"), 5*time.Second)
	if err != nil {
		t.Fatalf("dialing the listener in %s over the bridge: %v", h.NetNS, err)
	}
	defer c.Close()
	buf := make([]byte, 2)
	if _, err := c.Read(buf); err != nil || string(buf) != "hi" {
		t.Fatalf("read %q, %v", buf, err)
	}
	if _, err := Dialer(h.NetNS)(t.Context(), "tcp", "probe.example.test:80"); err == nil {
		t.Error("Dialer accepted a host name")
	}
}
