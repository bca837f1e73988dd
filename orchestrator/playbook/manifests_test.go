package playbook

import (
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

// mhead is a valid playbook with the minimal manifests section.
const mhead = head + `manifests:
  certManager: {version: v1.21.2}
  acme: {email: ops@example.com}
  ingress:
    service: web
`

func TestManifestsDefaults(t *testing.T) {
	p := mustParse(t, mhead)
	want := &Manifests{
		Wait:        10 * time.Minute,
		CertManager: CertManager{Install: "helmchart", Version: "v1.21.2", Namespace: "cert-manager"},
		ACME: ACME{Email: "ops@example.com", Server: LetsEncryptStaging, Issuer: "letsencrypt-staging",
			AccountKeySecret: "letsencrypt-staging-account-key"},
		Ingress: Ingress{Namespace: "default", Name: "staging", ClassName: "traefik", Service: "web", ServicePort: 80, TLSSecret: "staging-tls"},
		Network: Network{Namespaces: []string{"default"}, IngressControllerNamespace: "kube-system", EgressCIDRs: []netip.Prefix{}},
	}
	if !reflect.DeepEqual(p.Manifests, want) {
		t.Errorf("manifests:\n got %+v\nwant %+v", p.Manifests, want)
	}
	if p := mustParse(t, head); p.Manifests != nil {
		t.Errorf("absent section decoded as %+v", p.Manifests)
	}
}

func TestManifestsDerivedDefaults(t *testing.T) {
	t.Setenv("HOME", "/home/sre")
	p := mustParse(t, head+`manifests:
  kubeconfig: ""
  certManager: {install: bundle, bundle: ./cm.yaml}
  acme: {email: a@b.example, production: true, caBundleFile: ~/ca.pem}
  ingress: {namespace: shop, name: web.v1, service: web, servicePort: 8080}
  network: {restrictEgress: true, egressCIDRs: [192.0.2.0/24, 2001:db8::1]}
`)
	m := p.Manifests
	if m.CertManager.Bundle != "/pb/cm.yaml" || m.CertManager.BundleLine != 7 || m.CertManager.Version != "" {
		t.Errorf("certManager = %+v", m.CertManager)
	}
	if m.ACME.Server != LetsEncryptProduction || m.ACME.Issuer != "letsencrypt-production" ||
		m.ACME.AccountKeySecret != "letsencrypt-production-account-key" || m.ACME.CABundleFile != "/home/sre/ca.pem" {
		t.Errorf("acme = %+v", m.ACME)
	}
	if m.Ingress.TLSSecret != "web.v1-tls" || !reflect.DeepEqual(m.Network.Namespaces, []string{"shop"}) {
		t.Errorf("ingress = %+v, network = %+v", m.Ingress, m.Network)
	}
	if got := m.Network.EgressCIDRs; len(got) != 2 || got[1].String() != "2001:db8::1/128" {
		t.Errorf("egressCIDRs = %v", got)
	}
}

func TestManifestsServerIssuer(t *testing.T) {
	p := mustParse(t, head+`manifests:
  certManager: {install: none}
  acme: {email: a@b.example, production: true, server: "https://ca.internal:14000/dir"}
  ingress: {service: web}
`)
	if a := p.Manifests.ACME; a.Server != "https://ca.internal:14000/dir" || a.Issuer != "acme" || a.AccountKeySecret != "acme-account-key" {
		t.Errorf("acme = %+v", a)
	}
}

func TestManifestsErrors(t *testing.T) {
	// sec builds a section: certManager on line 6, acme 7, ingress 8, rest from 9.
	sec := func(certManager, acme, ingress string, rest ...string) string {
		return head + "manifests:\n  certManager: " + certManager + "\n  acme: " + acme + "\n  ingress: " + ingress + "\n" + strings.Join(rest, "")
	}
	cm, acme, ing := "{version: v1.21.2}", "{email: ops@example.com}", "{service: web}"
	for _, tc := range []struct{ name, yaml, want string }{
		{"not mapping", head + "manifests: [a]\n", `t.yaml:5: manifests: must be a mapping, got a list`},
		{"unknown key", sec(cm, acme, ing, "  certmanager: {}\n"), `t.yaml:9: manifests.certmanager: unknown field (did you mean "certManager"?)`},
		{"unknown nested", sec(cm, "{email: a@b.c, emial: x}", ing), `t.yaml:7: manifests.acme.emial: unknown field (did you mean "email"?)`},
		{"kubeconfig relative", sec(cm, acme, ing, "  kubeconfig: k3s.yaml\n"), `t.yaml:9: manifests.kubeconfig: must be an absolute path on the host, got "k3s.yaml"`},
		{"wait zero", sec(cm, acme, ing, "  wait: 0s\n"), `t.yaml:9: manifests.wait: must be longer than 0s`},
		{"wait bad", sec(cm, acme, ing, "  wait: soon\n"), `t.yaml:9: manifests.wait: must be a duration such as 60s or 2m, got "soon"`},
		{"install bad", sec("{install: helm, version: v1.21.2}", acme, ing), `t.yaml:6: manifests.certManager.install: must be helmchart, bundle or none, got "helm"`},
		{"version missing", sec("{namespace: cm}", acme, ing), `t.yaml:6: manifests.certManager.version: required with install: helmchart`},
		{"version missing no section", head + "manifests:\n  acme: {email: a@b.c}\n  ingress: {service: web}\n", `t.yaml:6: manifests.certManager.version: required with install: helmchart`},
		{"version form", sec("{version: 1.21.2}", acme, ing), `t.yaml:6: manifests.certManager.version: must be a chart version such as v1.21.2, got "1.21.2"`},
		{"version with none", sec("{install: none, version: v1.21.2}", acme, ing), `t.yaml:6: manifests.certManager.version: only used with install: helmchart`},
		{"bundle missing", sec("{install: bundle}", acme, ing), `t.yaml:6: manifests.certManager.bundle: required with install: bundle`},
		{"bundle with helmchart", sec("{version: v1.21.2, bundle: cm.yaml}", acme, ing), `t.yaml:6: manifests.certManager.bundle: only used with install: bundle`},
		{"bundle tilde user", sec("{install: bundle, bundle: ~bob/cm.yaml}", acme, ing), `t.yaml:6: manifests.certManager.bundle: "~bob/cm.yaml": ~user is not supported`},
		{"namespace invalid", sec("{version: v1.21.2, namespace: Cert_Manager}", acme, ing), `t.yaml:6: manifests.certManager.namespace: must be a Kubernetes name: lower-case letters, digits and inner '-', at most 63 characters, got "Cert_Manager"`},
		{"email missing", sec(cm, "{production: true}", ing), `t.yaml:7: manifests.acme.email: required`},
		{"email missing no section", head + "manifests:\n  certManager: {version: v1.21.2}\n  ingress: {service: web}\n", `t.yaml:6: manifests.acme.email: required`},
		{"email no at", sec(cm, "{email: ops.example.com}", ing), `t.yaml:7: manifests.acme.email: must be an e-mail address such as ops@example.com, got "ops.example.com"`},
		{"email injection", sec(cm, `{email: "a: b\n- c"}`, ing), `t.yaml:7: manifests.acme.email: must be an e-mail address such as ops@example.com, got "a: b\n- c"`},
		{"production string", sec(cm, "{email: a@b.c, production: \"yes\"}", ing), `t.yaml:7: manifests.acme.production: must be true or false, got string "yes"`},
		{"server http", sec(cm, "{email: a@b.c, server: \"http://ca.internal/dir\"}", ing), `t.yaml:7: manifests.acme.server: must be an https:// ACME directory URL, got "http://ca.internal/dir"`},
		{"server not url", sec(cm, "{email: a@b.c, server: ca.internal}", ing), `t.yaml:7: manifests.acme.server: must be an https:// ACME directory URL, got "ca.internal"`},
		{"issuer invalid", sec(cm, "{email: a@b.c, issuer: Lets_Encrypt}", ing), `t.yaml:7: manifests.acme.issuer: must be a Kubernetes name: dot-separated parts`},
		{"account secret invalid", sec(cm, "{email: a@b.c, accountKeySecret: -key}", ing), `t.yaml:7: manifests.acme.accountKeySecret: must be a Kubernetes name`},
		{"service missing", sec(cm, acme, "{name: web}"), `t.yaml:8: manifests.ingress.service: required`},
		{"service missing no section", head + "manifests:\n  certManager: {version: v1.21.2}\n  acme: {email: a@b.c}\n", `t.yaml:6: manifests.ingress.service: required`},
		{"service digit first", sec(cm, acme, "{service: 1web}"), `t.yaml:8: manifests.ingress.service: must be a Service name: a lower-case letter`},
		{"service port", sec(cm, acme, "{service: web, servicePort: 0}"), `t.yaml:8: manifests.ingress.servicePort: must be between 1 and 65535, got 0`},
		{"ingress namespace", sec(cm, acme, "{service: web, namespace: a.b}"), `t.yaml:8: manifests.ingress.namespace: must be a Kubernetes name`},
		{"ingress name", sec(cm, acme, "{service: web, name: Staging}"), `t.yaml:8: manifests.ingress.name: must be a Kubernetes name`},
		{"class name", sec(cm, acme, "{service: web, className: \"traefik \"}"), `t.yaml:8: manifests.ingress.className: must be a Kubernetes name`},
		{"tls secret", sec(cm, acme, "{service: web, tlsSecret: a/b}"), `t.yaml:8: manifests.ingress.tlsSecret: must be a Kubernetes name`},
		{"network namespace", sec(cm, acme, ing, "  network: {namespaces: [shop, Bad]}\n"), `t.yaml:9: manifests.network.namespaces[1]: must be a Kubernetes name`},
		{"network namespace dup", sec(cm, acme, ing, "  network: {namespaces: [shop, shop]}\n"), `t.yaml:9: manifests.network.namespaces[1]: duplicate namespace "shop"`},
		{"network namespaces scalar", sec(cm, acme, ing, "  network: {namespaces: shop}\n"), `t.yaml:9: manifests.network.namespaces: must be a list, got string "shop"`},
		{"controller namespace", sec(cm, acme, ing, "  network: {ingressControllerNamespace: kube_system}\n"), `t.yaml:9: manifests.network.ingressControllerNamespace: must be a Kubernetes name`},
		{"egress cidr", sec(cm, acme, ing, "  network: {restrictEgress: true, egressCIDRs: [10.0.0.1/8]}\n"), `t.yaml:9: manifests.network.egressCIDRs[0]: 10.0.0.1/8 has host bits set (did you mean 10.0.0.0/8?)`},
		{"egress cidr garbage", sec(cm, acme, ing, "  network: {restrictEgress: true, egressCIDRs: [\"0.0.0.0/0\\n- x\"]}\n"), `t.yaml:9: manifests.network.egressCIDRs[0]: must be a CIDR`},
		{"egress without restrict", sec(cm, acme, ing, "  network: {egressCIDRs: [192.0.2.0/24]}\n"), `t.yaml:9: manifests.network.egressCIDRs: only used with restrictEgress: true`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("/pb/t.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *playbook.Error", err)
			}
			if got := strings.ReplaceAll(err.Error(), "/pb/", ""); !strings.Contains(got, tc.want) {
				t.Errorf("got  %s\nwant %s", got, tc.want)
			}
		})
	}
}
