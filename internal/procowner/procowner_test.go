package procowner

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

func TestAlive(t *testing.T) {
	self := Self()
	if !Alive(self) {
		t.Fatalf("this process (%s) is not alive", self)
	}
	f := strings.Split(self, "/")
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	gone := fmt.Sprintf("%s/%s/%d/%s", f[0], f[1], cmd.Process.Pid, f[3])
	reused := fmt.Sprintf("%s/%s/%d/1", f[0], f[1], os.Getpid()) // our pid, another start
	cases := map[string]bool{
		gone:   false,
		reused: false,
		fmt.Sprintf("%s/another-boot/%s/%s", f[0], f[2], f[3]): false,
		fmt.Sprintf("other-host/%s/%s/%s", f[1], f[2], f[3]):   true,
		"": true, "garbage": true,
	}
	for owner, want := range cases {
		if got := Alive(owner); got != want {
			t.Errorf("Alive(%q) = %t, want %t", owner, got, want)
		}
	}
}
