package lab_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// TestCrashedUp interrupts Up at several points (its context ends mid-way,
// as when `lab up` is killed) and checks that Up completes what is there and
// that Down leaves nothing behind.
func TestCrashedUp(t *testing.T) {
	l := labtest.New(t, 2)
	o := labtest.Options(t, l)
	if err := lab.Down(context.Background(), l.Dir); err != nil {
		t.Fatal(err)
	}
	for _, d := range []time.Duration{20 * time.Millisecond, 150 * time.Millisecond, 400 * time.Millisecond} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		_, err := lab.Up(ctx, o)
		cancel()
		if errors.Is(err, lab.ErrIndexInUse) {
			t.Skipf("index %d taken by another lab meanwhile", o.Index)
		}
		t.Logf("Up cut after %v: %v", d, err)
	}
	l2, err := lab.Up(context.Background(), o)
	if err != nil {
		t.Fatalf("Up after interrupted Ups: %v", err)
	}
	checkHealthy(t, l2)
	for _, d := range []time.Duration{30 * time.Millisecond, 0} {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		_, err := lab.Up(ctx, o) // an interrupted Up on a working lab
		cancel()
		t.Logf("Up cut after %v: %v", d, err)
	}
	// A namespace deleted by hand: its sshd and decoys live on in the
	// orphaned namespace, and Down must still find and stop them.
	if out, err := exec.Command("ip", "netns", "del", l2.Hosts[0].NetNS).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if err := lab.Down(context.Background(), l.Dir); err != nil {
		t.Fatal(err)
	}
	checkGone(t, l2)
}

// TestUpOverStaleNetnsFile: an `ip netns add` killed between creating
// /run/netns/<ns> and bind-mounting the namespace on it leaves a plain
// file; the next Up of the same lab must replace it, not fail on it with
// "Invalid argument" (seen in CI when a cut Up stopped exactly there).
func TestUpOverStaleNetnsFile(t *testing.T) {
	l := labtest.New(t, 1)
	o := labtest.Options(t, l)
	ns := l.Hosts[0].NetNS
	if out, err := exec.Command("ip", "netns", "del", ns).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	stale := filepath.Join("/run/netns", ns)
	if err := os.WriteFile(stale, nil, 0o444); err != nil {
		t.Fatal(err)
	}
	l2, err := lab.Up(context.Background(), o)
	if err != nil {
		t.Fatalf("Up over a stale %s: %v", stale, err)
	}
	checkHealthy(t, l2)
}

// BenchmarkUpDown measures a full Up and Down; run with -benchtime=1x.
func BenchmarkUpDown(b *testing.B) {
	for _, n := range []int{1, 10, 50} {
		b.Run(fmt.Sprintf("hosts=%d", n), func(b *testing.B) {
			var up, down time.Duration
			for b.Loop() {
				start := time.Now()
				l := labtest.New(b, n)
				up += time.Since(start)
				start = time.Now()
				if err := lab.Down(context.Background(), l.Dir); err != nil {
					b.Fatal(err)
				}
				down += time.Since(start)
			}
			b.ReportMetric(up.Seconds()/float64(b.N), "up-s/op")
			b.ReportMetric(down.Seconds()/float64(b.N), "down-s/op")
		})
	}
}
