package scan

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestSilence: a target where no port answered says what came back when
// the SYN engine knows it, and nothing when the connect engine scanned.
func TestSilence(t *testing.T) {
	zero, five := 0, 5
	for _, c := range []struct {
		heard *int
		want  string
	}{
		{nil, ""},
		{&zero, "131070 SYNs sent, nothing came back"},
		{&five, "131070 SYNs sent; 5 segments came back, none an answer to them"},
	} {
		f := Finding{Probes: 131070, Heard: c.heard}
		if got := f.Silence(); got != c.want {
			t.Errorf("heard %v: %q, want %q", c.heard, got, c.want)
		}
	}
	b, err := json.Marshal(Finding{})
	if err != nil || strings.Contains(string(b), "heard") {
		t.Errorf("a connect engine's finding: %s, %v; want no heard", b, err)
	}
}
