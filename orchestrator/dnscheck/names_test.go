package dnscheck

import (
	"strings"
	"testing"
)

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"staging.example.com", "staging.example.com.", "_acme-challenge.a-b.example", "xn--bcher-kva.example", "letsencrypt.org"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q): %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "a.example.test;id", "x y", "a..example", "-a.example", "a-.example", "a\x1b.example", "é.example", strings.Repeat("a", 64) + ".example", strings.Repeat("a.", 127) + "ab"} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q) accepted", bad)
		}
	}
}

// Validate names the field for a CAA issuer that is not a domain name,
// so a playbook's dns.caaIssuer is refused like the flag.
func TestValidateCAAIssuer(t *testing.T) {
	c := Config{Domain: "staging.example.com", CAAIssuer: "x y", Nameservers: []string{"198.18.0.53"}}
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "caaIssuer") {
		t.Fatalf("Validate: %v, want caaIssuer named", err)
	}
}
