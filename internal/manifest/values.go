// Package manifest renders the Kubernetes objects ck8sctl applies (the
// templates in deploy/, and a cert-manager release bundle) into documents
// that each name their object and where it came from.
//
// Rendering is strict: a missing value is an error, never an empty string
// in the output; every string is inserted as a quoted scalar, so no value
// can add YAML structure; every document must parse and name its apiVersion,
// kind and metadata.name. What Render returns is what the agent applies and
// what `ck8sctl render` prints.
package manifest

// Values is everything the templates may use. The orchestrator builds it
// from a validated playbook; Render checks only that required values are
// present, so the names in it must already be valid.
type Values struct {
	Domain      string // the certificate's DNS name
	CertManager CertManager
	ACME        ACME
	Ingress     Ingress
	Network     Network
}

// CertManager says how cert-manager is installed.
type CertManager struct {
	Install    string // InstallHelmChart, InstallBundle or InstallNone
	Version    string // chart version; helmchart only
	Namespace  string
	Bundle     []byte // the release manifest; bundle only
	BundleName string // the bundle's name in Doc.Source
}

// Install modes, as the playbook spells them.
const (
	InstallHelmChart = "helmchart"
	InstallBundle    = "bundle"
	InstallNone      = "none"
)

// ACME configures the ClusterIssuer.
type ACME struct {
	Email, Server, Issuer, AccountKeySecret string
	CABundle                                []byte // PEM; empty: the system roots
}

// Ingress names the Ingress and the Certificate and their backend.
type Ingress struct {
	Namespace, Name, ClassName, Service, TLSSecret string
	ServicePort                                    int
}

// Network is the NetworkPolicy baseline.
type Network struct {
	Namespaces                 []string
	IngressControllerNamespace string
	RestrictEgress             bool
	EgressCIDRs                []string
}
