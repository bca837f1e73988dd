package lab

import "testing"

// TestInNetnsSparesOwnNamespace guards the sweep that stops processes in lab
// namespaces: handed this program's own namespace it must return nothing,
// never every process on the machine.
func TestInNetnsSparesOwnNamespace(t *testing.T) {
	self, ok := statID("/proc/self/ns/net")
	if !ok {
		t.Skip("no /proc/self/ns/net")
	}
	if ts := inNetns([]fileID{self}); len(ts) != 0 {
		t.Fatalf("inNetns(own namespace) = %d processes", len(ts))
	}
}
