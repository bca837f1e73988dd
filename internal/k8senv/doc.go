// Package k8senv runs a real Kubernetes control plane (etcd and
// kube-apiserver), the real cert-manager controller and a real ACME CA
// (Pebble) for integration tests. Fakes of these would only test our idea
// of how they behave; the point of this package is to find out how they
// really do, on a lab host that looks like a k3s node: the API server is on
// the host's loopback (https://127.0.0.1:6443), reachable by the agent on
// the host and by the test process through a namespace-aware dialer, and by
// nothing else.
//
// The binaries are built by `make k8s-env` (hack/k8s-env.sh) into a cache
// dir; Require skips a test without them, or fails it under CI=true.
//
// A test typically does:
//
//	l := labtest.NewWith(t, 1, func(o *lab.Options) {
//		labtest.WithDNS(o)
//		o.ListenerArgv = nil // the decoys hold 6443, 80 and 443
//	})
//	cp := k8senv.StartControlPlane(t, l.Hosts[0].NetNS)
//	cp.StartCertManager(t, l.Nameservers)
//	acme := k8senv.StartPebble(t, k8senv.PebbleOptions{Listen: l.Gateway4, DNSServer: l.Nameservers[0]})
//	cs, _ := kubernetes.NewForConfig(cp.Config) // client-go from the root namespace
//
// The lab's decoy listeners must be off: they bind 6443 (and 80/443, where
// a test's stand-in ingress from Listen belongs) on every address.
package k8senv
