package facts

import (
	"os"
	"path/filepath"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// kubeconfigs are the admin kubeconfigs of the distributions we know, in
// order of preference; only their presence is checked, never their content.
var kubeconfigs = []struct{ path, distribution string }{
	{"/etc/rancher/k3s/k3s.yaml", "k3s"},
	{"/etc/rancher/rke2/rke2.yaml", "rke2"},
	{"/etc/kubernetes/admin.conf", "kubeadm"},
}

// kubeBinaries hint at a cluster even when no kubeconfig is left.
var kubeBinaries = []string{"k3s", "rke2", "kubelet", "kubeadm", "kubectl"}

func kubernetes(root string) facts.Kubernetes {
	var k facts.Kubernetes
	for _, kc := range kubeconfigs {
		if fi, err := os.Stat(filepath.Join(root, kc.path)); err != nil || !fi.Mode().IsRegular() {
			continue
		}
		k.Kubeconfigs = append(k.Kubeconfigs, kc.path)
		if k.Kubeconfig == "" {
			k.Kubeconfig, k.Distribution = kc.path, kc.distribution
		}
	}
	for _, b := range kubeBinaries {
		if p := findBinary(root, b); p != "" {
			k.Binaries = append(k.Binaries, p)
			if k.Distribution == "" && (b == "k3s" || b == "rke2") {
				k.Distribution = b
			}
		}
	}
	// kubectl alone is a client, not a cluster.
	k.Present = len(k.Kubeconfigs) > 0 || k.Distribution != "" || findBinary(root, "kubelet") != ""
	return k
}
