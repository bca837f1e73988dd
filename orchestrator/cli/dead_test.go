package cli

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/procowner"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// A run whose ck8sctl was killed (-9, a crash) stays "running" in the
// store; the next run marks it interrupted, whatever that next run does
// (here its only host refuses the connection).
func TestDeadRunInterruptedByTheNextRun(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "ck8s.db")
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	exited := exec.Command("true")
	if err := exited.Run(); err != nil {
		t.Fatal(err)
	}
	f := strings.Split(procowner.Self(), "/")
	dead := fmt.Sprintf("%s/%s/%d/%s", f[0], f[1], exited.Process.Pid, f[3])
	for id, owner := range map[string]string{"killed": dead, "alive": procowner.Self()} {
		if err := s.CreateRun(context.Background(), store.Run{ID: id, Command: "harden", Started: time.Now().Add(-time.Hour), Owner: owner}); err != nil {
			t.Fatal(err)
		}
	}
	s.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // refused from now on
	pb := filepath.Join(dir, "pb.yaml")
	if err := os.WriteFile(pb, fmt.Appendf(nil, "domain: staging.lab.test\nhosts:\n  - {name: web-1, address: 127.0.0.1, port: %d}\n", port), 0o600); err != nil {
		t.Fatal(err)
	}
	r := ck8sctl(t, "harden", "-p", pb, "--db", db, "-o", "json")
	if r.code == ExitOK || r.code == ExitBadInput {
		t.Fatalf("harden of a refusing host: exit %d\n%s", r.code, r.stderr)
	}
	s, err = store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for id, want := range map[string]string{"killed": store.StatusInterrupted, "alive": store.StatusRunning} {
		if run, err := s.Run(context.Background(), id); err != nil || run.Status != want {
			t.Errorf("run %s: %q, %v; want %q", id, run.Status, err, want)
		}
	}
}
