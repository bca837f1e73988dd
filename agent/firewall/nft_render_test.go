package firewall

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// nftGoldens are the profiles whose rendered batch is kept under
// testdata/nft; -update rewrites them.
func nftGoldens() map[string]Profile {
	ssh := defaultProfile()
	ssh.SSHSources = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8:1::/48")}
	reject := defaultProfile()
	reject.Reject = true
	udp := defaultProfile()
	udp.AllowUDP = []int{8472, 53, 51820}
	return map[string]Profile{"default": defaultProfile(), "ssh-sources": ssh, "reject": reject, "udp": udp}
}

// TestNFTGolden compares the rendered batches with the goldens, then (as
// root, in a namespace of its own) loads each for real. The comparison runs
// in the parent too, where -update is seen: the isolated child is started
// without it.
func TestNFTGolden(t *testing.T) {
	for name, p := range nftGoldens() {
		got, err := nftRender(p)
		if err != nil {
			t.Fatal(err)
		}
		file := filepath.Join("testdata", "nft", name+".nft")
		if nftUpdate() && !testenv.CI() {
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(file)
		if err != nil {
			t.Fatalf("%v (run with -update to create it)", err)
		}
		if got != string(want) {
			t.Errorf("%s: rendered batch differs from %s (-update rewrites it):\n%s", name, file, got)
		}
	}
	if !testenv.Isolated(t) {
		return
	}
	b := nftTestBackend(t)
	for name := range nftGoldens() {
		golden, err := os.ReadFile(filepath.Join("testdata", "nft", name+".nft"))
		if err != nil {
			t.Fatal(err)
		}
		mustApply(t, b, b.batch(string(golden)))
		if s := mustState(t, b); !strings.HasPrefix(s, "table "+nftTable+" {") {
			t.Errorf("%s: after loading the golden, State = %q", name, s)
		}
	}
}

func TestNFTRenderRefuses(t *testing.T) {
	for name, p := range map[string]Profile{
		"quote in interface": {TrustedInterfaces: []string{`eth0" accept`}},
		"long interface":     {TrustedInterfaces: []string{"averyveryverylongname"}},
		"every interface":    {TrustedInterfaces: []string{"+"}},
		"port 0":             {AllowTCP: []int{0}},
		"port too big":       {AllowUDP: []int{65536}},
		"invalid prefix":     {TrustedCIDRs: []netip.Prefix{{}}},
	} {
		if _, err := nftRender(p); err == nil {
			t.Errorf("%s: rendered without error", name)
		}
	}
}

// TestNFTRenderSSHSources: with SSH sources, an SSH port listed in
// AllowTCP too must not open SSH to everyone.
func TestNFTRenderSSHSources(t *testing.T) {
	p := nftGoldens()["ssh-sources"]
	got, err := nftRender(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"ip saddr @ssh_v4 tcp dport 22 accept",
		"ip6 saddr @ssh_v6 tcp dport 22 accept",
		"tcp dport { 80, 443 } accept",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered batch lacks %q:\n%s", want, got)
		}
	}
	for line := range strings.Lines(got) {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "tcp dport") && strings.Contains(line, "22") {
			t.Errorf("SSH open to everyone: %q", line)
		}
	}
}

// TestNFTRenderSets: iptables' '+' becomes nft's '*', and elements that
// another covers are left out (a named set refuses overlaps).
func TestNFTRenderSets(t *testing.T) {
	got, err := nftRender(nftEdgeProfiles()["overlaps"])
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"\t\tflags interval\n\t\telements = { \"cali*\", \"cni0\", \"veth*\" }\n",
		"elements = { 10.0.0.0/8, 192.0.2.0/24 }\n", // allowed: rule matches only
		"elements = { 2001:db8::/32 }\n",
		"tcp dport 2222 accept\n\t\ttcp dport 443 accept\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("rendered batch lacks %q:\n%s", want, got)
		}
	}
}

// nftEdgeProfiles are loaded by the idempotence test besides the goldens:
// wildcards, overlapping elements, sshd on a port AllowTCP leaves closed,
// and nothing at all.
func nftEdgeProfiles() map[string]Profile {
	return map[string]Profile{
		"overlaps": {
			SSHPorts:          []int{2222},
			AllowTCP:          []int{443},
			TrustedInterfaces: []string{"cni0", "cali+", "calico0", "veth+", "cni0"},
			TrustedCIDRs: []netip.Prefix{
				netip.MustParsePrefix("10.42.0.0/16"), netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.0/24"),
				netip.MustParsePrefix("192.0.2.7/32"), netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("2001:db8:1::/48"),
			},
		},
		"adjacent wildcards": {TrustedInterfaces: []string{"a+", "b+"}, SSHSources: []netip.Prefix{netip.MustParsePrefix("2001:db8::/33"), netip.MustParsePrefix("2001:db8:8000::/33")}, SSHPorts: []int{22}},
		"empty":              {},
	}
}

// TestNFTEstablishedFirst is the regression test for the lockout where a
// reject came before the established accept and reset live sessions: in
// every chain of every rendered profile, and of what the kernel lists after
// loading it, the established accept comes before any drop or reject.
func TestNFTEstablishedFirst(t *testing.T) {
	for name, p := range nftGoldens() {
		got, err := nftRender(p)
		if err != nil {
			t.Fatal(err)
		}
		nftCheckOrder(t, name+" rendered", got)
	}
	if !testenv.Isolated(t) {
		return
	}
	b := nftTestBackend(t)
	for name, p := range nftGoldens() {
		mustApply(t, b, mustRender(t, b, p))
		nftCheckOrder(t, name+" listed", mustState(t, b))
	}
}

func nftCheckOrder(t *testing.T, name, text string) {
	t.Helper()
	chain, established, chains, seen := "", false, 0, 0
	for line := range strings.Lines(text) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "chain "):
			chain, established = line, false
			chains++
		case line == "ct state established,related accept":
			established = true
			seen++
		case strings.HasPrefix(line, "type "):
			// the policy is the chain's end, not a rule
		case strings.Contains(line, "drop") || strings.Contains(line, "reject"):
			if !established {
				t.Errorf("%s: %s: %q comes before the established accept", name, chain, line)
			}
		}
	}
	if chains != 2 || seen != 2 {
		t.Errorf("%s: %d chains with %d established accepts, want input and prerouting with one each", name, chains, seen)
	}
}
