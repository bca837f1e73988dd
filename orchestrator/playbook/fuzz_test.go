package playbook

import (
	"errors"
	"os"
	"testing"
)

// FuzzParse feeds arbitrary bytes to Parse: it must never panic or hang,
// and must return either a playbook or an error made of *Error values.
func FuzzParse(f *testing.F) {
	if staging, err := os.ReadFile("../../playbooks/staging.yaml"); err == nil {
		f.Add(staging)
	}
	f.Add([]byte(head))
	f.Add([]byte("domain: example.com\nhosts:\n  - &b {name: a, address: 203.0.113.1}\n  - {<<: *b, name: b, jump: a}\n"))
	f.Add([]byte("domain: example.com\nhosts: [{name: a, address: 203.0.113.1, jump: b}, {name: b, address: 203.0.113.2, jump: a}]\n"))
	f.Add([]byte("firewall: {allowTCP: [0x16, 1_0], sshSources: [10.0.0.1/8]}\ndns: {nameservers: ['[::1]:53']}\n"))
	f.Add([]byte(head + "checks: {tsl: {}, ports: {expect: [22, '1-3'], udp: ''}, http01: ~, sweep: {certFail: 30d}}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Parse("f.yaml", data)
		if err == nil {
			if p == nil || len(p.Hosts) == 0 || p.Firewall.Persist == nil {
				t.Fatalf("no error but an incomplete playbook: %+v", p)
			}
			for _, h := range p.Hosts {
				p.Jumps(h) // must terminate on anything Parse accepts
			}
			return
		}
		if len(unjoin(err)) == 0 {
			t.Fatalf("error without *Error: %v", err)
		}
		var pe *Error
		if !errors.As(err, &pe) {
			t.Fatalf("errors.As failed on %v", err)
		}
	})
}
