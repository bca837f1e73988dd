package k8senv

import (
	"context"
	"fmt"
	"net"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// Addresses inside the namespace. Fixed ports are fine: each lab host is a
// namespace of its own, so parallel tests never share them.
const (
	APIServerURL = "https://127.0.0.1:6443"
	apiAddr      = "127.0.0.1:6443"
	etcdURL      = "http://127.0.0.1:2379"
	etcdPeerURL  = "http://127.0.0.1:2380"
	// serviceCIDR is only allocated from, never routed: the lab's reserved
	// range keeps it clear of anything real.
	serviceCIDR = "198.19.240.0/24"
)

// ControlPlane is etcd and kube-apiserver running inside a network
// namespace, on its loopback only, the way a k3s host has them: the agent
// on the host reaches https://127.0.0.1:6443, nothing outside can.
type ControlPlane struct {
	// NetNS is the namespace the processes run in.
	NetNS string
	// Dir holds certificates, etcd's data and the logs (etcd.log,
	// kube-apiserver.log, cert-manager.log).
	Dir string
	// Kubeconfig is an admin kubeconfig (client certificate in
	// system:masters) for APIServerURL with the CA, certificate and key
	// embedded; KubeconfigPath is the same written to Dir. It works for
	// anything running inside NetNS.
	Kubeconfig     []byte
	KubeconfigPath string
	// Config is for the test process in the root namespace: the same
	// credentials, with a Dial that opens its sockets inside NetNS.
	Config *rest.Config

	// CA signs the serving and client certificates; CAPEM is its
	// certificate, for clients that verify the apiserver.
	CAPEM       []byte
	ca          *ca
	certManager *proc
	apiServer   *proc
	etcd        *proc
	bins        Binaries
}

// StartControlPlane starts etcd and kube-apiserver in netns (an existing
// namespace, e.g. a lab host's), waits until /readyz answers ok, and stops
// both in t.Cleanup. Needs root and the binaries (see Require).
func StartControlPlane(t testing.TB, netns string) *ControlPlane {
	t.Helper()
	bins := RequireOnly(t, func(b Binaries) []string { return []string{b.Etcd, b.KubeAPIServer} })
	cp, err := startControlPlane(t, bins, netns)
	if err != nil {
		t.Fatalf("starting control plane in netns %s: %v", netns, err)
	}
	return cp
}

func startControlPlane(t testing.TB, bins Binaries, netns string) (*ControlPlane, error) {
	t.Helper()
	if err := loopbackUp(netns); err != nil {
		return nil, err
	}
	for _, a := range []string{apiAddr, "127.0.0.1:2379", "127.0.0.1:2380"} {
		if err := free(netns, a); err != nil {
			return nil, err
		}
	}
	cp := &ControlPlane{NetNS: netns, Dir: t.TempDir(), bins: bins}
	if err := cp.writeCerts(); err != nil {
		return nil, err
	}
	ctx := context.Background()
	etcd, err := cp.startEtcd(t)
	if err != nil {
		return nil, err
	}
	if err := etcd.wait(ctx, time.Minute, cp.etcdHealthy); err != nil {
		return nil, err
	}
	api, err := cp.startAPIServer(t)
	if err != nil {
		return nil, err
	}
	if err := api.wait(ctx, 2*time.Minute, cp.ready); err != nil {
		return nil, err
	}
	cp.etcd, cp.apiServer = etcd, api
	return cp, nil
}

// path names a file in Dir.
func (cp *ControlPlane) path(name string) string { return filepath.Join(cp.Dir, name) }

// writeCerts creates the CA, the apiserver's serving certificate, the admin
// client certificate, the service-account key, and the kubeconfigs.
func (cp *ControlPlane) writeCerts() error {
	c, err := newCA("ck8s-k8senv-ca")
	if err != nil {
		return err
	}
	serving, err := c.issue(leaf{cn: "kube-apiserver", ips: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc"}, usage: x509ServerAuth})
	if err != nil {
		return err
	}
	admin, err := c.issue(leaf{cn: "ck8s-admin", org: []string{"system:masters"}, usage: x509ClientAuth})
	if err != nil {
		return err
	}
	saKey, err := newKey()
	if err != nil {
		return fmt.Errorf("creating service-account key: %w", err)
	}
	saPEM, err := keyToPEM(saKey)
	if err != nil {
		return err
	}
	cp.ca, cp.CAPEM = c, c.pem
	cp.Config = &rest.Config{
		Host: APIServerURL,
		TLSClientConfig: rest.TLSClientConfig{
			CAData: c.pem, CertData: admin.certPEM, KeyData: admin.keyPEM,
		},
		Dial: Dialer(cp.NetNS),
		// A test creates objects in bursts; client-go's default 5 QPS
		// would make it wait for nothing.
		QPS: 100, Burst: 200,
	}
	cp.Kubeconfig, err = kubeconfig(c.pem, admin)
	if err != nil {
		return err
	}
	cp.KubeconfigPath = cp.path("admin.kubeconfig")
	return writeFiles(cp.Dir, map[string][]byte{
		"ca.crt":           c.pem,
		"apiserver.crt":    serving.certPEM,
		"apiserver.key":    serving.keyPEM,
		"admin.crt":        admin.certPEM,
		"admin.key":        admin.keyPEM,
		"sa.key":           saPEM,
		"admin.kubeconfig": cp.Kubeconfig,
	})
}

// kubeconfig renders an admin kubeconfig with everything embedded, so it
// can be copied to a host as one file.
func kubeconfig(caPEM []byte, admin keyPair) ([]byte, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["k8senv"] = &clientcmdapi.Cluster{Server: APIServerURL, CertificateAuthorityData: caPEM}
	cfg.AuthInfos["ck8s-admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: admin.certPEM, ClientKeyData: admin.keyPEM}
	cfg.Contexts["k8senv"] = &clientcmdapi.Context{Cluster: "k8senv", AuthInfo: "ck8s-admin"}
	cfg.CurrentContext = "k8senv"
	b, err := clientcmd.Write(*cfg)
	if err != nil {
		return nil, fmt.Errorf("writing kubeconfig: %w", err)
	}
	return b, nil
}

func (cp *ControlPlane) startEtcd(t testing.TB) (*proc, error) {
	return start(t, "etcd", cp.NetNS, cp.path("etcd.log"), nil, cp.bins.Etcd,
		"--name", "default",
		"--data-dir", cp.path("etcd"),
		"--listen-client-urls", etcdURL,
		"--advertise-client-urls", etcdURL,
		"--listen-peer-urls", etcdPeerURL,
		"--initial-advertise-peer-urls", etcdPeerURL,
		"--initial-cluster", "default="+etcdPeerURL,
		// No metrics listener beyond the client URL, nothing on other ports.
		"--listen-metrics-urls", "",
	)
}

func (cp *ControlPlane) startAPIServer(t testing.TB) (*proc, error) {
	return start(t, "kube-apiserver", cp.NetNS, cp.path("kube-apiserver.log"), nil, cp.bins.KubeAPIServer,
		"--etcd-servers", etcdURL,
		"--bind-address", "127.0.0.1",
		"--advertise-address", "127.0.0.1",
		// The default reconciler refuses a loopback advertise address.
		"--endpoint-reconciler-type", "none",
		"--secure-port", "6443",
		"--service-cluster-ip-range", serviceCIDR,
		"--authorization-mode", "RBAC",
		"--client-ca-file", cp.path("ca.crt"),
		"--tls-cert-file", cp.path("apiserver.crt"),
		"--tls-private-key-file", cp.path("apiserver.key"),
		"--service-account-issuer", "https://kubernetes.default.svc",
		"--service-account-key-file", cp.path("sa.key"),
		"--service-account-signing-key-file", cp.path("sa.key"),
		// Its default, /var/run/kubernetes, is shared by every test.
		"--cert-dir", cp.path("apiserver-certs"),
	)
}
