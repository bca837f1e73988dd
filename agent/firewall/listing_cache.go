package firewall

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"github.com/ck8s/ck8sctl/agent/atomicfile"
)

// listingFile keeps the last listing of the owned rules and the stamp it
// was taken at: the expectation's key (the backend, its programs) and the
// ruleset's stamp (rulesetStamp).
const listingFile = "listing.txt"

// liveState lists the owned rules, unless the ruleset's stamp is the one
// the last listing here was taken at: then nothing was committed since, by
// this agent or anyone, and that listing is returned. A no-drift re-run on
// a quiet host then runs no listing program (four iptables-save runs, or
// one nft). A listing is kept only when the stamp read after it is the one
// read before, so it shows exactly that generation. key is the
// expectation's (expectKey): a listing is kept for one backend and its
// programs.
func (t *txn) liveState(ctx context.Context, key string) (string, error) {
	t.live, t.liveStamp = "", ""
	raw := rulesetStamp(t.b)
	stamp := raw
	if stamp != "" {
		stamp = key + " " + stamp
		if b, err := os.ReadFile(filepath.Join(t.dir, listingFile)); err == nil {
			if head, rest, ok := bytes.Cut(b, []byte("\n")); ok && string(head) == stamp {
				t.live, t.liveStamp = string(rest), raw
				return t.live, nil
			}
		}
	}
	if ib, ok := t.b.(*iptBackend); ok {
		// A listing held from before the first stamp would be older than it.
		for _, f := range ib.fams {
			f.forget(true)
		}
	}
	live, err := t.b.State(ctx)
	if err != nil || stamp == "" {
		return live, err
	}
	if after := rulesetStamp(t.b); after != "" && key+" "+after == stamp {
		t.live, t.liveStamp = live, raw
		// A failure to write only costs the next run a listing.
		_ = os.MkdirAll(t.dir, 0o700)
		_ = atomicfile.Write(filepath.Join(t.dir, listingFile), []byte(stamp+"\n"+live), 0o600)
	}
	return live, nil
}

// snapshot is the rollback of a change: Backend.Snapshot, which for
// nftables restores our table as it is listed now. While the ruleset's
// stamp is still the one liveState read its listing at (under the lock,
// a moment before), nothing was committed since and that listing is the
// table as it is now: the apply then runs one nft less.
func (t *txn) snapshot(ctx context.Context) (Batch, error) {
	if nb, ok := t.b.(*nftBackend); ok && t.liveStamp != "" && rulesetStamp(t.b) == t.liveStamp {
		return nb.batch(nftRestore(t.live)), nil
	}
	return t.b.Snapshot(ctx)
}
