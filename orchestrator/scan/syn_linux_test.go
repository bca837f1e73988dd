//go:build linux

package scan

import "testing"

// TestOwns: a run owns exactly its block's eight source ports, the last
// block (whose end, base+synPorts, is 65536) included.
func TestOwns(t *testing.T) {
	for b := range synBlocks {
		sr := &synRun{base: synPortLo + uint16(b)*synPorts}
		for p := synPortLo - 1; p < 65536; p++ {
			want := p >= int(sr.base) && p < int(sr.base)+synPorts
			if got := sr.owns(uint16(p)); got != want {
				t.Fatalf("block %d (ports %d-%d): owns(%d) = %v", b, sr.base, int(sr.base)+synPorts-1, p, got)
			}
		}
		if sr.owns(0) || sr.owns(22) {
			t.Fatalf("block %d owns a low port", b)
		}
	}
}
