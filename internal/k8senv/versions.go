package k8senv

// The versions hack/k8s-env.sh builds. They are pinned in one place so a
// bump is one edit here and one in the script, and the cache paths (which
// include the version) never mix binaries of different releases.
const (
	KubernetesVersion  = "v1.37.2"
	CertManagerVersion = "v1.21.2"
	PebbleVersion      = "v2.10.3"
)

// EtcdPath is Debian's etcd-server (3.4): old, but the apiserver only needs
// the v3 API, and apt is quicker and more trustworthy than building it.
const EtcdPath = "/usr/bin/etcd"
