package firewall

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestExpectRefusesOutsideAScratchNamespace: firewall-expect run where an
// interface is up (a host) applies nothing.
func TestExpectRefusesOutsideAScratchNamespace(t *testing.T) {
	if _, ok := isolate(t); !ok {
		return
	}
	if out, err := runCmd("sh", "-ec", "ip link add ck8s-d0 type veth peer name ck8s-d1; ip link set ck8s-d0 up"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	h := newHost(t, "", NameNFTables)
	c, _ := h.backendOf()
	req, _ := json.Marshal(expectRequest{Choice: c, Profile: Profile{SSHPorts: []int{22}}})
	var out strings.Builder
	err := Expect(t.Context(), strings.NewReader(string(req)), &out)
	if err == nil || !strings.Contains(err.Error(), "interface ck8s-d0 is up") {
		t.Errorf("Expect = %v, want a refusal naming the interface", err)
	}
	if s := h.state(); s != "" || out.Len() > 0 {
		t.Errorf("Expect changed the firewall (%q):\n%s", out.String(), s)
	}
}
