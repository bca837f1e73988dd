package playbook

import (
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func mustParse(t *testing.T, src string) *Playbook {
	t.Helper()
	p, err := Parse("/pb/t.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestStagingExampleLoads(t *testing.T) {
	t.Setenv("HOME", "/home/sre")
	p, err := Load("../../playbooks/staging.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Domain != "staging.example.com" || len(p.Hosts) != 3 || len(p.Mask) != 1 {
		t.Fatalf("domain %q, %d hosts, %d masks", p.Domain, len(p.Hosts), len(p.Mask))
	}
	s1, _ := p.HostByName("staging-1")
	want := Host{Name: "staging-1", Address: "203.0.113.10", Port: 22, User: "root",
		IdentityFile: "/home/sre/.ssh/id_ed25519", KnownHostsFile: "/home/sre/.ssh/known_hosts",
		Jump: "bastion", ExpectIPs: []netip.Addr{netip.MustParseAddr("203.0.113.10")},
		Labels: map[string]string{"role": "ingress"}, Line: s1.Line}
	if !reflect.DeepEqual(s1, want) {
		t.Errorf("staging-1:\n got %+v\nwant %+v", s1, want)
	}
	s2, _ := p.HostByName("staging-2")
	if s2.User != "deploy" || !s2.Sudo || s2.ExpectIPs[0] != netip.MustParseAddr("2001:db8::20") {
		t.Errorf("staging-2 = %+v", s2)
	}
	if b, _ := p.HostByName("bastion"); len(b.ExpectIPs) != 0 {
		t.Errorf("bastion expectIPs = %v, want none (set to [])", b.ExpectIPs)
	}
	if p.DNS.Nameservers[0] != "192.0.2.53:53" || p.Firewall.ConfirmTimeout != time.Minute {
		t.Errorf("dns %+v firewall %+v", p.DNS, p.Firewall)
	}
	if m := p.Manifests; m == nil || m.CertManager.Version != "v1.21.2" || m.ACME.Email != "ops@example.com" || m.Ingress.Service != "web" {
		t.Errorf("manifests = %+v", m)
	}
	if c := p.Checks; c.Ports == nil || c.TLS == nil || c.HTTP01 == nil {
		t.Errorf("checks = %+v, want every section", c)
	}
}

func TestDefaultsApplied(t *testing.T) {
	p := mustParse(t, "domain: Example.COM.\nhosts: [{name: a, address: 203.0.113.1}, {name: b, address: b.example.com}]\n")
	a := p.Hosts[0]
	if a.Port != 22 || a.User != "root" || a.Sudo || a.IdentityFile != "" || a.KnownHostsFile != "" {
		t.Errorf("host defaults: %+v", a)
	}
	if !reflect.DeepEqual(a.ExpectIPs, []netip.Addr{netip.MustParseAddr("203.0.113.1")}) {
		t.Errorf("expectIPs default = %v, want the address", a.ExpectIPs)
	}
	if p.Hosts[1].ExpectIPs != nil {
		t.Errorf("expectIPs of a host with a DNS name = %v, want none", p.Hosts[1].ExpectIPs)
	}
	if p.Domain != "example.com" {
		t.Errorf("domain = %q, want it lower case without the dot", p.Domain)
	}
	if !reflect.DeepEqual(p.Firewall, defaultFirewall()) {
		t.Errorf("firewall = %+v", p.Firewall)
	}
	fw := p.Firewall
	if !reflect.DeepEqual(fw.AllowTCP, []int{22, 80, 443}) || fw.Backend != "auto" || !*fw.Persist ||
		fw.ConfirmTimeout != 60*time.Second || fw.TrustedCIDRs[1].String() != "10.43.0.0/16" ||
		!reflect.DeepEqual(fw.TrustedInterfaces, []string{"cni0", "flannel.1"}) {
		t.Errorf("firewall defaults = %+v", fw)
	}
	if p.DNS.CAAIssuer != "letsencrypt.org" || p.DNS.Wait != 0 || len(p.DNS.Nameservers) != 0 {
		t.Errorf("dns defaults = %+v", p.DNS)
	}
}

func TestDefaultsBlockAndOverrides(t *testing.T) {
	p := mustParse(t, `domain: example.com
defaults: {user: ops, port: 2222, sudo: true, identityFile: keys/id}
hosts:
  - {name: a, address: 203.0.113.1}
  - {name: b, address: 203.0.113.2, user: root, port: 22, sudo: false, identityFile: /k}
firewall: {allowTCP: [], persist: false, confirmTimeout: 2m}
dns: {nameservers: [192.0.2.1, "2001:db8::53", "[2001:db8::54]:5353", ns.example.net], wait: 30s}
`)
	a, b := p.Hosts[0], p.Hosts[1]
	if a.User != "ops" || a.Port != 2222 || !a.Sudo || a.IdentityFile != "/pb/keys/id" {
		t.Errorf("a = %+v", a)
	}
	if b.User != "root" || b.Port != 22 || b.Sudo || b.IdentityFile != "/k" {
		t.Errorf("b = %+v", b)
	}
	if len(p.Firewall.AllowTCP) != 0 || *p.Firewall.Persist || p.Firewall.ConfirmTimeout != 2*time.Minute {
		t.Errorf("firewall = %+v", p.Firewall)
	}
	want := []string{"192.0.2.1:53", "[2001:db8::53]:53", "[2001:db8::54]:5353", "ns.example.net:53"}
	if !reflect.DeepEqual(p.DNS.Nameservers, want) || p.DNS.Wait != 30*time.Second {
		t.Errorf("dns = %+v", p.DNS)
	}
}

func TestPathExpansion(t *testing.T) {
	t.Setenv("HOME", "/home/sre")
	p := mustParse(t, `domain: example.com
hosts:
  - {name: a, address: 203.0.113.1, identityFile: ~/.ssh/id, knownHostsFile: kh}
  - {name: b, address: 203.0.113.2, identityFile: "~", knownHostsFile: ../x/./kh}
  - {name: c, address: 203.0.113.3, identityFile: /abs//id}
`)
	for _, tc := range []struct{ got, want string }{
		{p.Hosts[0].IdentityFile, "/home/sre/.ssh/id"},
		{p.Hosts[0].KnownHostsFile, "/pb/kh"},
		{p.Hosts[1].IdentityFile, "/home/sre"},
		{p.Hosts[1].KnownHostsFile, "/x/kh"},
		{p.Hosts[2].IdentityFile, "/abs/id"},
	} {
		if tc.got != tc.want {
			t.Errorf("path = %q, want %q", tc.got, tc.want)
		}
	}
}

func TestLoadResolvesRelativeToFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "pb.yaml")
	os.WriteFile(path, []byte("domain: example.com\nhosts: [{name: a, address: 203.0.113.1, identityFile: id}]\n"), 0o600)
	t.Chdir(t.TempDir()) // the working directory must not matter
	p, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "id"); p.Hosts[0].IdentityFile != want || p.Path != path {
		t.Errorf("identityFile %q (want %q), path %q", p.Hosts[0].IdentityFile, want, p.Path)
	}
}

func TestLoadErrors(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "missing.yaml"))
	var pe *Error
	if !errors.As(err, &pe) || !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "missing.yaml: cannot read playbook: no such file") {
		t.Errorf("missing file: %v", err)
	}
	big := filepath.Join(t.TempDir(), "big.yaml")
	os.WriteFile(big, []byte("# "+strings.Repeat("x", MaxSize)+"\n"), 0o600)
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
}

func TestAnchorsAndMerge(t *testing.T) {
	p := mustParse(t, `domain: example.com
hosts:
  - &base {name: a, address: 203.0.113.1, user: ops, labels: &l {tier: edge}}
  - <<: *base
    name: b
    labels: *l
`)
	b := p.Hosts[1]
	if b.Name != "b" || b.Address != "203.0.113.1" || b.User != "ops" || b.Labels["tier"] != "edge" {
		t.Errorf("merged host = %+v", b)
	}
}

func TestSelfReferentialAliasesDoNotHang(t *testing.T) {
	for _, src := range []string{
		"domain: example.com\nhosts: &h [*h]\n",
		"domain: example.com\nhosts: [&m {<<: *m, name: a, address: 203.0.113.1}]\n",
		"domain: example.com\nmask: &x [*x]\nhosts: [{name: a, address: 203.0.113.1}]\n",
	} {
		Parse("t.yaml", []byte(src)) // must return; errors or not
	}
}

func TestSelect(t *testing.T) {
	p := mustParse(t, "domain: example.com\nhosts: [{name: a, address: 203.0.113.1}, {name: b, address: 203.0.113.2}, {name: c, address: 203.0.113.3}]\n")
	names := func(hs []Host) string {
		var n []string
		for _, h := range hs {
			n = append(n, h.String())
		}
		return strings.Join(n, ",")
	}
	for _, tc := range []struct {
		limit []string
		want  string
	}{
		{nil, "a,b,c"},
		{[]string{"c", "a"}, "a,c"}, // playbook order
		{[]string{"b", " b ", ""}, "b"},
	} {
		got, err := p.Select(tc.limit)
		if err != nil || names(got) != tc.want {
			t.Errorf("Select(%q) = %s, %v; want %s", tc.limit, names(got), err, tc.want)
		}
	}
	_, err := p.Select([]string{"a", "bb", "zzz"})
	var pe *Error
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `"bb" (did you mean "b"?), "zzz"`) {
		t.Errorf("Select(unknown) = %v", err)
	}
	if _, ok := p.HostByName("nope"); ok {
		t.Error("HostByName(nope) found a host")
	}
}

// TestLoadProfile: a playbook whose hosts come from an inventory may have
// none; everything else is still validated, and its defaults block is the
// base of the inventory's hosts.
func TestLoadProfile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "profile.yaml")
	if err := os.WriteFile(p, []byte("domain: staging.example.com\ndefaults:\n  user: deploy\n  port: 2222\n  sudo: true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(p); err == nil || !strings.Contains(err.Error(), "hosts: required") {
		t.Errorf("Load without hosts: %v", err)
	}
	pb, err := LoadProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	if h := pb.DefaultHost(); h.User != "deploy" || h.Port != 2222 || !h.Sudo || len(pb.Hosts) != 0 {
		t.Errorf("default host %+v, %d hosts", h, len(pb.Hosts))
	}
	if err := os.WriteFile(p, []byte("domain: staging.example.com\nfirewall:\n  backend: pf\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadProfile(p); err == nil || !strings.Contains(err.Error(), "firewall.backend") {
		t.Errorf("a bad profile: %v", err)
	}
}
