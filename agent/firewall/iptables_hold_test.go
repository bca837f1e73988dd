package firewall

import (
	"context"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// While held, the backend lists each table once: a rule another program
// adds meanwhile is not seen until the backend's own apply, which lists
// afresh; after release every read is live again.
func TestIPTablesHoldReusesListingsUntilARestore(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		bin := b.fams[0].bin
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		release := b.hold()
		before := mustState(t, b)
		iptCmd(t, "", bin, "-w", "-A", ChainInput, "-p", "tcp", "--dport", "7777", "-j", "ACCEPT")
		if s := mustState(t, b); s != before || strings.Contains(s, "7777") {
			t.Fatalf("held State sees another program's rule:\n%s", s)
		}
		mustApply(t, b, mustRender(t, b, defaultProfile()))
		if s := mustState(t, b); s != before {
			t.Errorf("State after the apply:\n%s\nwant:\n%s", s, before)
		}
		iptCmd(t, "", bin, "-w", "-A", ChainInput, "-p", "tcp", "--dport", "7777", "-j", "ACCEPT")
		release()
		if s, err := b.State(context.Background()); err != nil || !strings.Contains(s, "7777") {
			t.Errorf("State after release misses the live rule (err %v):\n%s", err, s)
		}
	})
}
