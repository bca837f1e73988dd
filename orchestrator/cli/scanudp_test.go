package cli

import (
	"encoding/json"
	"fmt"
	"net"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
	"github.com/ck8s/ck8sctl/orchestrator/scan/scantest"
)

// TestScanUDPBadInput: bad UDP port lists are refused with exit 2.
func TestScanUDPBadInput(t *testing.T) {
	for _, args := range [][]string{
		{"scan", "--udp", "0", "127.0.0.1"},
		{"scan", "--udp", "53", "--expect-udp", "dns", "127.0.0.1"},
	} {
		r := ck8sctl(t, args...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, "udp") {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming the udp flag", args, r.code, r.stderr)
		}
	}
}

// TestScanUDPLab: a UDP service answering on a lab host is reported open
// in the best-effort UDP part and is non-compliant unless --expect-udp
// names it; a port with nothing bound is closed.
func TestScanUDPLab(t *testing.T) {
	testenv.RequireRoot(t)
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	pc, err := scantest.ListenPacketIn(h.NetNS, "[::]:0")
	if err != nil {
		t.Fatal(err)
	}
	defer pc.Close()
	scantest.Echo(pc)
	open := pc.LocalAddr().(*net.UDPAddr).Port
	udp := fmt.Sprintf("%d,%d", open, open+1) // open+1: nothing bound (almost surely)
	base := []string{"scan", "--ports", fmt.Sprint(h.Port), "--expect", fmt.Sprint(h.Port), "--udp", udp, "-o", "json"}
	r := ck8sctl(t, append(base, h.Addr4.String())...)
	var out struct{ Targets []scan.Finding }
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != ExitFailed || len(out.Targets) != 1 {
		t.Fatalf("exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	u := out.Targets[0].UDP
	if u == nil || !u.BestEffort || !slices.Equal(u.Unexpected, []uint16{uint16(open)}) || !slices.Equal(u.Closed, []uint16{uint16(open + 1)}) {
		t.Fatalf("udp finding %+v", u)
	}
	r = ck8sctl(t, append(append(base[:len(base)-2], "--expect-udp", fmt.Sprint(open)), h.Addr6.String())...)
	if r.code != ExitOK || !strings.Contains(r.stdout, "UDP (best effort") {
		t.Fatalf("expecting udp %d: exit %d\n%s\n%s", open, r.code, r.stdout, r.stderr)
	}
}
