package lab

import (
	"net/netip"
	"strings"
	"testing"
)

func TestNewHost(t *testing.T) {
	for _, tc := range []struct {
		index, i     int
		name, ns     string
		addr4, addr6 string
	}{
		{0, 1, "lab-1", "ck8s0-1", "198.18.0.11", "2001:db8::11"},
		{0, 50, "lab-50", "ck8s0-50", "198.18.0.60", "2001:db8::60"},
		{3, 2, "lab-2", "ck8s3-2", "198.18.3.12", "2001:db8:3::12"},
		{255, 200, "lab-200", "ck8s255-200", "198.18.255.210", "2001:db8:ff::210"},
	} {
		h := newHost(tc.index, tc.i)
		if h.Name != tc.name || h.NetNS != tc.ns || h.Port != 22 ||
			h.Addr4 != netip.MustParseAddr(tc.addr4) || h.Addr6 != netip.MustParseAddr(tc.addr6) {
			t.Errorf("newHost(%d, %d) = %+v, want %s %s %s %s", tc.index, tc.i, h, tc.name, tc.ns, tc.addr4, tc.addr6)
		}
	}
}

// TestAddressesStayInRanges guards the network rule: the lab only ever uses
// 198.18.0.0/15 and 2001:db8::/32, and names fit IFNAMSIZ.
func TestAddressesStayInRanges(t *testing.T) {
	p4, p6 := netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("2001:db8::/32")
	for index := 0; index <= 255; index++ {
		g4, g6 := gateways(index)
		sub4 := netip.PrefixFrom(g4, 24).Masked()
		sub6 := netip.PrefixFrom(g6, 64).Masked()
		for i := 1; i <= MaxHosts; i++ {
			h := newHost(index, i)
			if !p4.Contains(h.Addr4) || !p6.Contains(h.Addr6) || !sub4.Contains(h.Addr4) || !sub6.Contains(h.Addr6) {
				t.Fatalf("index %d host %d: %s %s outside the lab's subnets %s %s", index, i, h.Addr4, h.Addr6, sub4, sub6)
			}
			if h.Addr4 == g4 || h.Addr6 == g6 {
				t.Fatalf("index %d host %d collides with the gateway", index, i)
			}
			for _, n := range []string{h.NetNS, vethName(index, i), bridgeName(index)} {
				if len(n) > 15 {
					t.Fatalf("name %q longer than IFNAMSIZ-1", n)
				}
			}
		}
	}
}

func TestMAC(t *testing.T) {
	if got := mac(255, 210); got != "02:c6:12:ff:00:d2" {
		t.Errorf("mac(255, 210) = %s", got)
	}
}

func TestHostNumber(t *testing.T) {
	for _, tc := range []struct {
		name, prefix string
		n            int
		ok           bool
	}{
		{"ck8s1-12", "ck8s1-", 12, true},
		{"ck8s10-2", "ck8s1-", 0, false}, // index 10 is another lab
		{"ck8s1v3", "ck8s1v", 3, true},
		{"ck8s1vx", "ck8s1v", 0, false},
		{"ck8s1-012", "ck8s1-", 0, false},
		{"ck8s1-", "ck8s1-", 0, false},
		{"ck8s1br", "ck8s1v", 0, false},
	} {
		n, ok := hostNumber(tc.name, tc.prefix)
		if ok != tc.ok || (ok && n != tc.n) {
			t.Errorf("hostNumber(%q, %q) = %d, %v; want %d, %v", tc.name, tc.prefix, n, ok, tc.n, tc.ok)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, o := range []Options{{Hosts: 1}, {Dir: "d"}, {Dir: "d", Hosts: 201}, {Dir: "d", Hosts: 1, Index: 256}, {Dir: "d", Hosts: 1, Index: -1}} {
		if o.validate() == nil {
			t.Errorf("%+v: validated", o)
		}
	}
	if err := (Options{Dir: "d", Hosts: 200, Index: 255}).validate(); err != nil {
		t.Error(err)
	}
}

func TestParsePorts(t *testing.T) {
	p, err := ParsePorts("80,443, 10250")
	if err != nil || len(p) != 3 || p[2] != 10250 {
		t.Fatalf("ParsePorts = %v, %v", p, err)
	}
	for _, bad := range []string{"", "80,", "0", "65536", "http"} {
		if _, err := ParsePorts(bad); err == nil {
			t.Errorf("ParsePorts(%q) accepted", bad)
		}
	}
}

func TestSSHDConfigQuotesPaths(t *testing.T) {
	cfg := sshdConfig("/tmp/my lab", newHost(0, 1))
	if !strings.Contains(cfg, `AuthorizedKeysCommand /bin/cat "/tmp/my lab/authorized_keys"`) ||
		!strings.Contains(cfg, "PasswordAuthentication no") {
		t.Errorf("config:\n%s", cfg)
	}
}
