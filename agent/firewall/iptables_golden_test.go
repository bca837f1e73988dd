package firewall

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// iptGoldens are the profiles whose rendered batch (on a host with no
// owned chains yet) is kept under testdata/iptables; -update rewrites them.
func iptGoldens() map[string]Profile {
	ssh := defaultProfile()
	ssh.SSHSources = []netip.Prefix{netip.MustParsePrefix("192.0.2.0/24"), netip.MustParsePrefix("2001:db8:1::/48")}
	reject := defaultProfile()
	reject.Reject = true
	many := defaultProfile()
	for p := 8000; p < 8020; p++ { // more than one multiport match takes
		many.AllowTCP = append(many.AllowTCP, p)
	}
	many.AllowUDP = []int{8472, 53, 51820}
	return map[string]Profile{"default": defaultProfile(), "ssh-sources": ssh, "reject": reject, "many-ports": many}
}

// iptGoldenText renders p for a host without jumps, both families.
func iptGoldenText(t *testing.T, p Profile) string {
	t.Helper()
	n, err := newIPTProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	return "# ipv4\n" + n.restore(0, []bool{false, false}) + "# ipv6\n" + n.restore(1, []bool{false, false})
}

// TestIPTablesGolden compares the rendered batches with the goldens in
// the parent (where -update is seen), then, in a namespace of its own, for
// each variant: Render gives the same batch, it applies, and State lists
// every rendered rule verbatim, which proves they are spelled the way
// iptables -S prints them.
func TestIPTablesGolden(t *testing.T) {
	for name, p := range iptGoldens() {
		got := iptGoldenText(t, p)
		file := filepath.Join("testdata", "iptables", name+".rules")
		if iptUpdate() {
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
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		for name, p := range iptGoldens() {
			iptReset(t)
			bt := mustRender(t, b, p)
			if got := "# ipv4\n" + bt.Parts[0].Input + "# ipv6\n" + bt.Parts[1].Input; got != iptGoldenText(t, p) {
				t.Errorf("%s: Render on an empty host differs from the golden:\n%s", name, got)
			}
			for i, part := range bt.Parts {
				want := []string{b.fams[i].restore, "--noflush", "-w"}
				if !slices.Equal(part.Argv, want) {
					t.Errorf("%s: part %d argv = %q, want %q", name, i, part.Argv, want)
				}
			}
			mustApply(t, b, bt)
			if got, want := mustState(t, b), iptStateOf(bt); got != want {
				t.Errorf("%s: State after applying differs from the rendered rules:\n got: %s\nwant: %s", name, got, want)
			}
		}
	})
}

// iptStateOf is the State a render batch should leave: its rules as
// written, the inserted jumps as iptables -S lists them.
func iptStateOf(bt Batch) string {
	var w strings.Builder
	for i, part := range bt.Parts {
		fam, table := []string{"ipv4", "ipv6"}[i], ""
		for _, l := range strings.Split(strings.TrimSpace(part.Input), "\n") {
			f := strings.Fields(l)
			switch {
			case strings.HasPrefix(l, "*"):
				table = l[1:]
			case strings.HasPrefix(l, ":"):
				w.WriteString(fam + " " + table + " -N " + strings.TrimPrefix(f[0], ":") + "\n")
			case f[0] == "-A":
				w.WriteString(fam + " " + table + " " + l + "\n")
			case f[0] == "-I":
				w.WriteString(fam + " " + table + " -A " + f[1] + " " + strings.Join(f[3:], " ") + "\n")
			}
		}
	}
	return w.String()
}

func TestIPTablesRenderRefuses(t *testing.T) {
	for name, p := range map[string]Profile{
		"quote in interface":  {TrustedInterfaces: []string{`eth0" -j ACCEPT`}},
		"space in interface":  {TrustedInterfaces: []string{"eth0 -j"}},
		"option as interface": {TrustedInterfaces: []string{"-j"}},
		"long interface":      {TrustedInterfaces: []string{"averyveryverylongname"}},
		"every interface":     {TrustedInterfaces: []string{"+"}},
		"port 0":              {AllowTCP: []int{0}},
		"port too big":        {AllowUDP: []int{65536}},
		"ssh port":            {SSHPorts: []int{-1}},
		"invalid prefix":      {TrustedCIDRs: []netip.Prefix{{}}},
	} {
		if _, err := newIPTProfile(p); err == nil {
			t.Errorf("%s: rendered without error", name)
		}
	}
}
