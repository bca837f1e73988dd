package playbook

import (
	"errors"
	"strings"
	"testing"
)

// head is a valid playbook of four lines; cases append from line 5.
const head = `domain: example.com
hosts:
  - name: a
    address: 203.0.113.1
`

func TestValidationErrors(t *testing.T) {
	for _, tc := range []struct {
		name, yaml, want string
	}{
		{"port range", head + "    port: 70000\n", "t.yaml:5: hosts[0].port: must be between 1 and 65535, got 70000"},
		{"port zero", head + "    port: 0\n", "t.yaml:5: hosts[0].port: must be between 1 and 65535, got 0"},
		{"port string", head + "    port: \"22\"\n", `t.yaml:5: hosts[0].port: must be an integer, got string "22"`},
		{"port float", head + "    port: 22.5\n", `t.yaml:5: hosts[0].port: must be an integer, got number "22.5"`},
		{"port huge", head + "    port: 99999999999999999999\n", `t.yaml:5: hosts[0].port: must be an integer, got number`},
		{"unknown host field", head + "    identityfile: x\n", `t.yaml:5: hosts[0].identityfile: unknown field (did you mean "identityFile"?)`},
		{"unknown snake case", head + "    known_hosts_file: x\n", `t.yaml:5: hosts[0].known_hosts_file: unknown field (did you mean "knownHostsFile"?)`},
		{"unknown top field", head + "firewal: {}\n", `t.yaml:5: firewal: unknown field (did you mean "firewall"?)`},
		{"unknown far field", head + "colour: blue\n", `t.yaml:5: colour: unknown field`},
		{"duplicate key", head + "    address: 203.0.113.2\n", `t.yaml:5: hosts[0].address: duplicate key (first at line 4)`},
		{"sudo string", head + "    sudo: yes\n", `t.yaml:5: hosts[0].sudo: must be true or false, got string "yes"`},
		{"user with at", head + "    user: a@b\n", `t.yaml:5: hosts[0].user: must be a user name without spaces`},
		{"name mapping", head + "  - name: {x: 1}\n    address: h.example.com\n", `t.yaml:5: hosts[1].name: must be a string, got a mapping`},
		{"name invalid", head + "  - name: Web_1\n    address: h.example.com\n", `t.yaml:5: hosts[1].name: must be a DNS label (letters, digits and inner '-', at most 63): label "Web_1" contains '_'`},
		{"name missing", head + "  - address: 203.0.113.2\n", `t.yaml:5: hosts[1].name: required`},
		{"name duplicate", head + "  - name: a\n    address: 203.0.113.2\n", `t.yaml:5: hosts[1].name: duplicate host name "a" (first at line 3)`},
		{"address missing", head + "  - name: b\n", `t.yaml:5: hosts[1].address: required`},
		{"address with port", head + "  - name: b\n    address: 203.0.113.2:22\n", `t.yaml:6: hosts[1].address: must be an IP address or host name without a port, got "203.0.113.2:22" (use port:)`},
		{"address bad ip", head + "  - name: b\n    address: 203.0.113.999\n", `t.yaml:6: hosts[1].address: must be an IP address or host name, got "203.0.113.999": looks like an IP address but is not one`},
		{"address spaces", head + "  - name: b\n    address: my host\n", `t.yaml:6: hosts[1].address: must be an IP address or host name, got "my host": label "my host" contains ' '`},
		{"host not mapping", head + "  - b\n", `t.yaml:5: hosts[1]: must be a mapping, got string "b"`},
		{"expectIPs bad", head + "    expectIPs: [203.0.113.1, nope]\n", `t.yaml:5: hosts[0].expectIPs[1]: must be an IP address, got "nope"`},
		{"expectIPs dup", head + "    expectIPs: [203.0.113.1, 203.0.113.1]\n", `t.yaml:5: hosts[0].expectIPs[1]: duplicate address 203.0.113.1`},
		{"expectIPs scalar", head + "    expectIPs: 203.0.113.1\n", `t.yaml:5: hosts[0].expectIPs: must be a list, got string "203.0.113.1"`},
		{"labels list", head + "    labels: [a]\n", `t.yaml:5: hosts[0].labels: must be a mapping, got a list`},
		{"label value mapping", head + "    labels: {role: {x: 1}}\n", `t.yaml:5: hosts[0].labels.role: must be a string, got a mapping`},
		{"tilde user", head + "    identityFile: ~bob/.ssh/id\n", `t.yaml:5: hosts[0].identityFile: "~bob/.ssh/id": ~user is not supported`},
		{"jump self", head + "    jump: a\n", `t.yaml:5: hosts[0].jump: a host cannot jump through itself`},
		{"jump typo", head + "    jump: bastoin\n  - name: bastion\n    address: 203.0.113.9\n", `t.yaml:5: hosts[0].jump: "bastoin" is not a host of this playbook (did you mean "bastion"?); write user@host or host:port`},
		{"jump bad port", head + "    jump: bastion.example.com:0\n", `t.yaml:5: hosts[0].jump: must name a host of this playbook or be [user@]host[:port]: port in "bastion.example.com:0" must be between 1 and 65535`},
		{"jump bad user", head + "    jump: a b@bastion.example.com\n", `t.yaml:5: hosts[0].jump: user in "a b@bastion.example.com" must be a user name`},
		{"hosts empty", "domain: example.com\nhosts: []\n", `t.yaml:2: hosts: required: at least one host`},
		{"hosts missing", "domain: example.com\n", `t.yaml:1: hosts: required: at least one host`},
		{"hosts mapping", "domain: example.com\nhosts: {a: 1}\n", `t.yaml:2: hosts: must be a list, got a mapping`},
		{"domain missing", "hosts: [{name: a, address: 203.0.113.1}]\n", `t.yaml:1: domain: required`},
		{"domain single label", "domain: localhost\nhosts: [{name: a, address: 203.0.113.1}]\n", `t.yaml:1: domain: must be a fully qualified name such as staging.example.com, got "localhost"`},
		{"domain invalid", "domain: exa_mple.com\nhosts: [{name: a, address: 203.0.113.1}]\n", `t.yaml:1: domain: must be a DNS name such as staging.example.com: label "exa_mple" contains '_'`},
		{"domain wildcard", "domain: '*.example.com'\nhosts: [{name: a, address: 203.0.113.1}]\n", `t.yaml:1: domain: must be a DNS name`},
		{"mask regex", head + "mask: ['ghp_[A-Z']\n", "t.yaml:5: mask[0]: not a valid regular expression: error parsing regexp: missing closing ]"},
		{"mask empty match", head + "mask: ['x*']\n", `t.yaml:5: mask[0]: pattern "x*" matches the empty string`},
		{"mask empty", head + "mask: ['']\n", `t.yaml:5: mask[0]: must not be empty`},
		{"mask null item", head + "mask: [~]\n", `t.yaml:5: mask[0]: must be a string, got null`},
		{"defaults port", head + "defaults: {port: 65536}\n", `t.yaml:5: defaults.port: must be between 1 and 65535, got 65536`},
		{"defaults unknown", head + "defaults: {jump: x}\n", `t.yaml:5: defaults.jump: unknown field`},
		{"defaults list", head + "defaults: [a]\n", `t.yaml:5: defaults: must be a mapping, got a list`},
		{"tcp range", head + "firewall: {allowTCP: [22, 0]}\n", `t.yaml:5: firewall.allowTCP[1]: must be between 1 and 65535, got 0`},
		{"tcp dup", head + "firewall:\n  allowTCP:\n    - 443\n    - 443\n", `t.yaml:8: firewall.allowTCP[1]: duplicate port 443 (first at line 7)`},
		{"udp string", head + "firewall: {allowUDP: [dns]}\n", `t.yaml:5: firewall.allowUDP[0]: must be an integer, got string "dns"`},
		{"cidr bad", head + "firewall: {trustedCIDRs: [10.42.0.0/33]}\n", `t.yaml:5: firewall.trustedCIDRs[0]: must be a CIDR such as 192.0.2.0/24 or an IP address, got "10.42.0.0/33"`}, // allowed: parsed only
		{"cidr host bits", head + "firewall: {sshSources: [198.51.100.7/24]}\n", `t.yaml:5: firewall.sshSources[0]: 198.51.100.7/24 has host bits set (did you mean 198.51.100.0/24?)`},
		{"iface long", head + "firewall: {trustedInterfaces: [averyveryverylongname]}\n", `t.yaml:5: firewall.trustedInterfaces[0]: must be an interface name of 1 to 15 characters`},
		{"backend", head + "firewall: {backend: pf}\n", `t.yaml:5: firewall.backend: must be auto, iptables or nftables, got "pf"`},
		{"policy", head + "firewall: {policy: accept}\n", `t.yaml:5: firewall.policy: must be drop or reject, got "accept"`},
		{"confirm unit", head + "firewall: {confirmTimeout: 60}\n", `t.yaml:5: firewall.confirmTimeout: must be a duration such as 60s or 2m, got "60"`},
		{"confirm negative", head + "firewall: {confirmTimeout: -1s}\n", `t.yaml:5: firewall.confirmTimeout: must not be negative, got -1s`},
		{"confirm zero", head + "firewall: {confirmTimeout: 0s}\n", `t.yaml:5: firewall.confirmTimeout: must be longer than 0s`},
		{"persist", head + "firewall: {persist: 1}\n", `t.yaml:5: firewall.persist: must be true or false, got integer "1"`},
		{"firewall unknown", head + "firewall: {allow_tcp: [22]}\n", `t.yaml:5: firewall.allow_tcp: unknown field (did you mean "allowTCP"?)`},
		{"nameserver", head + "dns: {nameservers: ['192.0.2.53:99999']}\n", `t.yaml:5: dns.nameservers[0]: must be host or host:port: port in "192.0.2.53:99999" must be between 1 and 65535`},
		{"nameserver name", head + "dns: {nameservers: ['bad host']}\n", `t.yaml:5: dns.nameservers[0]: must be host or host:port: host in "bad host"`},
		{"wait negative", head + "dns: {wait: -5m}\n", `t.yaml:5: dns.wait: must not be negative, got -5m`},
		{"caa", head + "dns: {caaIssuer: 'lets encrypt'}\n", `t.yaml:5: dns.caaIssuer: must be a domain name such as letsencrypt.org`},
		{"manifests list", head + "manifests: [a]\n", `t.yaml:5: manifests: must be a mapping, got a list`},
		{"checks scalar", head + "checks: yes\n", `t.yaml:5: checks: must be a mapping, got string "yes"`},
		{"root list", "- a\n", `t.yaml:1: a playbook must be a mapping with at least hosts, got a list`},
		{"root scalar", "hello\n", `t.yaml:1: a playbook must be a mapping with at least hosts, got string "hello"`},
		{"empty", "", `t.yaml: empty playbook: at least hosts is required`},
		{"comments only", "# nothing\n", `t.yaml: empty playbook: at least hosts is required`},
		// yaml.v3 places some syntax errors at the line where the enclosing
		// construct starts rather than at the offending character.
		{"syntax", head + "    port: [22\n", `t.yaml:4: invalid YAML: did not find expected ',' or ']'`},
		{"tab", head + "\tport: 22\n", `t.yaml:4: invalid YAML: found a tab character that violates indentation`},
		{"two documents", head + "---\ndomain: b.example.com\n", `t.yaml:5: only one YAML document is allowed`},
		{"merge not mapping", head + "    <<: 5\n", `t.yaml:5: hosts[0].<<: must be a mapping or a list of mappings, got integer "5"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("t.yaml", []byte(tc.yaml))
			if err == nil {
				t.Fatalf("no error; want %s", tc.want)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error:\n%v\nwant it to contain:\n%s", err, tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("%v is not an *Error", err)
			}
		})
	}
}

func TestCollectsAllErrors(t *testing.T) {
	src := `domain: bad_domain
hosts:
  - name: a
    address: 203.0.113.1
    port: 0
  - name: a
    address: 203.0.113.2:22
    jump: nowhere
firewall:
  allowTCP: [22, 22]
  backend: pf
dns:
  wait: soon
colour: blue
`
	_, err := Parse("t.yaml", []byte(src))
	want := []string{
		"t.yaml:1: domain: must be a DNS name",
		"t.yaml:5: hosts[0].port: must be between 1 and 65535, got 0",
		`t.yaml:6: hosts[1].name: duplicate host name "a" (first at line 3)`,
		"t.yaml:7: hosts[1].address: must be an IP address or host name without a port",
		`t.yaml:8: hosts[1].jump: "nowhere" is not a host of this playbook`,
		"t.yaml:10: firewall.allowTCP[1]: duplicate port 22 (first at line 10)",
		`t.yaml:11: firewall.backend: must be auto, iptables or nftables, got "pf"`,
		`t.yaml:13: dns.wait: must be a duration such as 60s or 2m, got "soon"`,
		"t.yaml:14: colour: unknown field",
	}
	errs := unjoin(err)
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if !strings.HasPrefix(e.Error(), want[i]) {
			t.Errorf("error %d = %q\nwant prefix  %q", i, e.Error(), want[i])
		}
		if e.Line == 0 || e.Path == "" || e.File != "t.yaml" {
			t.Errorf("error %d lacks its position: %#v", i, e)
		}
	}
}

// unjoin returns the *Errors in err, in order.
func unjoin(err error) []*Error {
	var out []*Error
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	var pe *Error
	if errors.As(err, &pe) {
		out = append(out, pe)
	}
	return out
}
