package procowner

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
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

// A dead process not yet reaped (a zombie) is dead: the ck8sctl child of
// a killed supervisor waits for init to reap it, and its runs must not
// stay "running" meanwhile.
func TestZombieIsDead(t *testing.T) {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	pid := cmd.Process.Pid
	start, state := stat(pid)
	for i := 0; state != 'Z' && i < 500; i++ {
		time.Sleep(10 * time.Millisecond)
		start, state = stat(pid)
	}
	if state != 'Z' || start == 0 {
		t.Fatalf("process %d: state %q start %d, want an unreaped zombie", pid, state, start)
	}
	f := strings.Split(Self(), "/")
	owner := fmt.Sprintf("%s/%s/%d/%d", f[0], f[1], pid, start)
	if Alive(owner) {
		t.Errorf("Alive(%q) of a zombie = true, want false", owner)
	}
}
