package crash

import (
	"syscall"
	"testing"
	"time"
)

// `kill -9` of ck8sctl ends the work too, as it did with one process:
// the child dies with its supervisor.
func TestSupervisorKillEndsTheChild(t *testing.T) {
	cmd, pid, _ := startSupervisor(t)
	cmd.Process.Kill()
	cmd.Wait()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if syscall.Kill(pid, 0) != nil {
			return
		}
	}
	t.Fatalf("child %d still alive 10 s after its supervisor was killed", pid)
}
