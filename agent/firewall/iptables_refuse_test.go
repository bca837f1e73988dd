package firewall

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestIPTablesApplyRefuses: a batch is read back from disk and runs as
// root, so Apply runs only this backend's restore programs, and only
// input that touches owned chains or jumps to them; nothing runs when any
// part is refused.
func TestIPTablesApplyRefuses(t *testing.T) {
	if !testenv.Isolated(t) {
		return
	}
	iptEachVariant(t, func(t *testing.T, b *iptBackend) {
		iptLoadForeign(t, b)
		before := iptForeign(t, b)
		good := mustRender(t, b, defaultProfile())
		with := func(argv []string, input string) Batch {
			return Batch{Backend: NameIPTables, Parts: []Part{good.Parts[0], {Argv: argv, Input: input}}}
		}
		argv6 := good.Parts[1].Argv
		for name, bt := range map[string]Batch{
			"nftables batch":  {Backend: NameNFTables, Parts: good.Parts},
			"other program":   with([]string{"/bin/sh", "-c", "true"}, ""),
			"other variant":   with([]string{"/usr/sbin/ip6tables-restore-translate"}, ""),
			"empty argv":      with(nil, ""),
			"no --noflush":    with(argv6[:1], "*filter\nCOMMIT\n"),
			"other option":    with(append(slices.Clone(argv6), "--counters"), "*filter\nCOMMIT\n"),
			"flush INPUT":     with(argv6, "*filter\n-F INPUT\nCOMMIT\n"),
			"declare INPUT":   with(argv6, "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n"),
			"accept in INPUT": with(argv6, "*filter\n-I INPUT 1 -j ACCEPT\nCOMMIT\n"),
			"delete kube":     with(argv6, "*filter\n-X KUBE-FIREWALL\nCOMMIT\n"),
			"rename ours":     with(argv6, "*filter\n-E CK8S-INPUT KUBE-FIREWALL\nCOMMIT\n"),
		} {
			err := b.Apply(context.Background(), bt)
			if err == nil || !strings.Contains(err.Error(), "refused") && !strings.Contains(err.Error(), "not own") &&
				!strings.Contains(err.Error(), "restore program") {
				t.Errorf("%s: Apply = %v, want a refusal", name, err)
			}
		}
		if s := mustState(t, b); s != "" {
			t.Errorf("a refused batch changed the owned state:\n%s", s)
		}
		if after := iptForeign(t, b); after != before {
			t.Errorf("a refused batch changed foreign rules:\n%s\nwant:\n%s", after, before)
		}
	})
}
