package playbook

import (
	"fmt"
	"net/netip"
	"net/url"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/manifest"
	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// Manifests configures what the agent applies to the cluster: cert-manager,
// the ACME ClusterIssuer, the Certificate and Ingress for the domain, and
// the network baseline. ck8sctl render prints them.
type Manifests struct {
	Kubeconfig  string        // path on the host; empty: the agent searches the usual places
	Wait        time.Duration // deadline for the ClusterIssuer and Certificate to become Ready
	CertManager CertManager
	ACME        ACME
	Ingress     Ingress
	Network     Network
}

// CertManager says how cert-manager gets onto the cluster.
type CertManager struct {
	Install    string // InstallHelmChart, InstallBundle or InstallNone
	Version    string // chart version (vX.Y.Z); helmchart only
	Bundle     string // absolute path of the release manifest; bundle only
	BundleLine int    // where bundle is written, for errors reading the file
	Namespace  string
}

// How cert-manager is installed.
const (
	InstallHelmChart = manifest.InstallHelmChart // k3s's HelmChart resource for the jetstack chart
	InstallBundle    = manifest.InstallBundle    // a static release manifest from the orchestrator
	InstallNone      = manifest.InstallNone      // already installed
)

// ACME configures the ClusterIssuer.
type ACME struct {
	Email            string
	Production       bool
	Server           string // the directory URL, resolved from production when not set
	CABundleFile     string // absolute path of a PEM file; empty: the system roots
	CABundleLine     int    // where caBundleFile is written
	Issuer           string // ClusterIssuer name
	AccountKeySecret string // Secret holding the ACME account key
}

// Let's Encrypt's ACME directories.
const (
	LetsEncryptStaging    = "https://acme-staging-v02.api.letsencrypt.org/directory"
	LetsEncryptProduction = "https://acme-v02.api.letsencrypt.org/directory"
)

// Ingress names the Ingress and Certificate for the domain and its
// backend: the renderer's values as they are.
type Ingress = manifest.Ingress

// Network is the NetworkPolicy baseline of the app namespaces.
type Network struct {
	Namespaces                 []string
	IngressControllerNamespace string
	RestrictEgress             bool
	EgressCIDRs                []netip.Prefix
}

var (
	manifestsKeys   = []string{"kubeconfig", "wait", "certManager", "acme", "ingress", "network"}
	certManagerKeys = []string{"install", "version", "bundle", "namespace"}
	acmeKeys        = []string{"email", "production", "server", "caBundleFile", "issuer", "accountKeySecret"}
	ingressKeys     = []string{"namespace", "name", "className", "service", "servicePort", "tlsSecret"}
	networkKeys     = []string{"namespaces", "ingressControllerNamespace", "restrictEgress", "egressCIDRs"}
)

// manifests decodes the section; nil when it is absent.
func (d *decoder) manifests(n *yaml.Node) *Manifests {
	if n == nil {
		return nil
	}
	out := &Manifests{Wait: 10 * time.Minute}
	m, ok := d.section(n, "manifests", manifestsKeys...)
	if !ok {
		return out
	}
	if v := m["kubeconfig"]; v != nil {
		if s, ok := d.Str(v, "manifests.kubeconfig"); ok && !path.IsAbs(s) {
			// It is read on the host: ~ and relative paths would mean
			// something else there than on this machine.
			d.errorf(yamlnode.Resolve(v).Line, "manifests.kubeconfig", "must be an absolute path on the host, got %q", s)
		} else {
			out.Kubeconfig = s
		}
	}
	if v := m["wait"]; v != nil {
		if t, ok := d.duration(v, "manifests.wait"); ok && t == 0 {
			d.errorf(yamlnode.Resolve(v).Line, "manifests.wait", "must be longer than 0s")
		} else if ok {
			out.Wait = t
		}
	}
	line := yamlnode.Resolve(n).Line
	out.CertManager = d.certManager(m["certManager"], line)
	out.ACME = d.acme(m["acme"], line)
	out.Ingress = d.ingress(m["ingress"], line)
	out.Network = d.network(m["network"], out.Ingress.Namespace)
	return out
}

var chartVersion = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)

func (d *decoder) certManager(n *yaml.Node, line int) CertManager {
	const p = "manifests.certManager"
	cm := CertManager{Install: InstallHelmChart, Namespace: "cert-manager"}
	m, _ := d.section(n, p, certManagerKeys...)
	if n != nil {
		line = yamlnode.Resolve(n).Line
	}
	if v := m["install"]; v != nil {
		if s, ok := d.Str(v, p+".install"); ok {
			// An unknown mode keeps the default, so the keys below are
			// not also reported as out of place.
			if s != InstallHelmChart && s != InstallBundle && s != InstallNone {
				d.errorf(yamlnode.Resolve(v).Line, p+".install", "must be helmchart, bundle or none, got %q", s)
			} else {
				cm.Install = s
			}
		}
	}
	if v := m["version"]; v == nil && cm.Install == InstallHelmChart {
		d.errorf(line, p+".version", "required with install: helmchart (the chart version to pin, such as v1.21.2)")
	} else if v != nil && cm.Install != InstallHelmChart {
		d.errorf(yamlnode.Resolve(v).Line, p+".version", "only used with install: helmchart")
	} else if v != nil {
		cm.Version = d.checked(v, p+".version", func(s string) string {
			if !chartVersion.MatchString(s) {
				return fmt.Sprintf("must be a chart version such as v1.21.2, got %q", s)
			}
			return ""
		})
	}
	if v := m["bundle"]; v == nil && cm.Install == InstallBundle {
		d.errorf(line, p+".bundle", "required with install: bundle (the release manifest file)")
	} else if v != nil && cm.Install != InstallBundle {
		d.errorf(yamlnode.Resolve(v).Line, p+".bundle", "only used with install: bundle")
	} else if v != nil {
		cm.Bundle, cm.BundleLine = d.localPath(v, p+".bundle"), yamlnode.Resolve(v).Line
	}
	cm.Namespace = d.k8sName(m["namespace"], p+".namespace", cm.Namespace, dns1123Label)
	return cm
}

func (d *decoder) acme(n *yaml.Node, line int) ACME {
	const p = "manifests.acme"
	a := ACME{}
	m, _ := d.section(n, p, acmeKeys...)
	if n != nil {
		line = yamlnode.Resolve(n).Line
	}
	if v := m["email"]; v == nil {
		d.errorf(line, p+".email", "required: the ACME account's contact address")
	} else {
		a.Email = d.checked(v, p+".email", emailProblem)
	}
	if v := m["production"]; v != nil {
		a.Production, _ = d.Bool(v, p+".production")
	}
	a.Server, a.Issuer = LetsEncryptStaging, "letsencrypt-staging"
	if a.Production {
		a.Server, a.Issuer = LetsEncryptProduction, "letsencrypt-production"
	}
	if v := m["server"]; v != nil {
		a.Server, a.Issuer = d.checked(v, p+".server", serverProblem), "acme"
	}
	if v := m["caBundleFile"]; v != nil {
		a.CABundleFile, a.CABundleLine = d.localPath(v, p+".caBundleFile"), yamlnode.Resolve(v).Line
	}
	a.Issuer = d.k8sName(m["issuer"], p+".issuer", a.Issuer, dns1123Subdomain)
	a.AccountKeySecret = d.k8sName(m["accountKeySecret"], p+".accountKeySecret", a.Issuer+"-account-key", dns1123Subdomain)
	return a
}

func (d *decoder) ingress(n *yaml.Node, line int) Ingress {
	const p = "manifests.ingress"
	in := Ingress{ServicePort: 80}
	m, _ := d.section(n, p, ingressKeys...)
	if n != nil {
		line = yamlnode.Resolve(n).Line
	}
	in.Namespace = d.k8sName(m["namespace"], p+".namespace", "default", dns1123Label)
	in.Name = d.k8sName(m["name"], p+".name", "staging", dns1123Subdomain)
	in.ClassName = d.k8sName(m["className"], p+".className", "traefik", dns1123Subdomain)
	if m["service"] == nil {
		d.errorf(line, p+".service", "required: the backend Service's name")
	} else {
		in.Service = d.k8sName(m["service"], p+".service", "", dns1035Label)
	}
	if v := m["servicePort"]; v != nil {
		in.ServicePort, _ = d.port(v, p+".servicePort")
	}
	in.TLSSecret = d.k8sName(m["tlsSecret"], p+".tlsSecret", in.Name+"-tls", dns1123Subdomain)
	return in
}

func (d *decoder) network(n *yaml.Node, ingressNamespace string) Network {
	const p = "manifests.network"
	nw := Network{Namespaces: []string{ingressNamespace}, EgressCIDRs: []netip.Prefix{}}
	m, _ := d.section(n, p, networkKeys...)
	if v := m["namespaces"]; v != nil {
		nw.Namespaces = d.namespaces(v, p+".namespaces")
	}
	nw.IngressControllerNamespace = d.k8sName(m["ingressControllerNamespace"], p+".ingressControllerNamespace", "kube-system", dns1123Label)
	if v := m["restrictEgress"]; v != nil {
		nw.RestrictEgress, _ = d.Bool(v, p+".restrictEgress")
	}
	if v := m["egressCIDRs"]; v != nil {
		nw.EgressCIDRs = d.prefixes(v, p+".egressCIDRs")
		// Without restrictEgress all egress is allowed: the list would be
		// silently meaningless.
		if !nw.RestrictEgress && len(nw.EgressCIDRs) > 0 {
			d.errorf(yamlnode.Resolve(v).Line, p+".egressCIDRs", "only used with restrictEgress: true")
		}
	}
	return nw
}

// namespaces reads a list of distinct namespace names.
func (d *decoder) namespaces(n *yaml.Node, path string) []string {
	items, _ := d.list(n, path)
	out := []string{}
	for i, item := range items {
		s := d.checked(item, yamlnode.Index(path, i), dns1123Label)
		if s == "" {
			continue
		}
		if slices.Contains(out, s) {
			d.errorf(yamlnode.Resolve(item).Line, yamlnode.Index(path, i), "duplicate namespace %q", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// section is mapping where an empty string also counts as absent: the
// example playbook writes `server: ""` for "the default".
func (d *decoder) section(n *yaml.Node, path string, known ...string) (map[string]*yaml.Node, bool) {
	m, ok := d.mapping(n, path, known...)
	for k, v := range m {
		if v := yamlnode.Resolve(v); v.Kind == yaml.ScalarNode && v.ShortTag() == "!!str" && v.Value == "" {
			delete(m, k)
		}
	}
	return m, ok
}

// checked reads a string and checks it with problem; "" when either fails.
func (d *decoder) checked(n *yaml.Node, path string, problem func(string) string) string {
	s, ok := d.Str(n, path)
	if !ok {
		return ""
	}
	if msg := problem(s); msg != "" {
		d.errorf(yamlnode.Resolve(n).Line, path, "%s", msg)
		return ""
	}
	return s
}

// k8sName reads an optional Kubernetes object name, def when absent.
func (d *decoder) k8sName(n *yaml.Node, path, def string, problem func(string) string) string {
	if n == nil {
		return def
	}
	return d.checked(n, path, problem)
}

// path reads a file path on this machine and makes it absolute.
func (d *decoder) localPath(n *yaml.Node, path string) string {
	s, ok := d.Str(n, path)
	if !ok {
		return ""
	}
	abs, err := ExpandPath(s, d.dir)
	if err != nil {
		d.errorf(yamlnode.Resolve(n).Line, path, "%v", err)
	}
	return abs
}

func emailProblem(s string) string {
	local, domain, ok := strings.Cut(s, "@")
	if !ok || local == "" || domain == "" || strings.ContainsAny(s, " \t\r\n<>\"'") || strings.Contains(domain, "@") {
		return fmt.Sprintf("must be an e-mail address such as ops@example.com, got %q", s)
	}
	return ""
}

// serverProblem accepts https URLs only: the account key and every order
// go to this server.
func serverProblem(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return fmt.Sprintf("must be an https:// ACME directory URL, got %q", s)
	}
	return ""
}

var (
	label1123 = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)
	label1035 = regexp.MustCompile(`^[a-z]([-a-z0-9]*[a-z0-9])?$`)
)

// dns1123Label is Kubernetes' rule for namespace names.
func dns1123Label(s string) string {
	if len(s) > 63 || !label1123.MatchString(s) {
		return fmt.Sprintf("must be a Kubernetes name: lower-case letters, digits and inner '-', at most 63 characters, got %q", s)
	}
	return ""
}

// dns1035Label is Kubernetes' rule for Service names: a letter first.
func dns1035Label(s string) string {
	if len(s) > 63 || !label1035.MatchString(s) {
		return fmt.Sprintf("must be a Service name: a lower-case letter, then lower-case letters, digits and inner '-', at most 63 characters, got %q", s)
	}
	return ""
}

// dns1123Subdomain is Kubernetes' rule for most object names.
func dns1123Subdomain(s string) string {
	msg := fmt.Sprintf("must be a Kubernetes name: dot-separated parts of lower-case letters, digits and inner '-', at most 253 characters, got %q", s)
	if len(s) > 253 {
		return msg
	}
	for l := range strings.SplitSeq(s, ".") {
		if !label1123.MatchString(l) {
			return msg
		}
	}
	return ""
}
