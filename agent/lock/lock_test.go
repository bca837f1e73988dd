package lock

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func holder(id string) Holder { return Holder{RunID: id, PID: 4242, Started: time.Now().UTC()} }

func TestAcquireRecordsHolder(t *testing.T) {
	dir := t.TempDir()
	l, err := Acquire(context.Background(), dir, holder("run-a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release()
	if h := ReadHolder(dir + "/" + File); h.RunID != "run-a" || h.PID != 4242 {
		t.Fatalf("holder = %+v", h)
	}
}

func TestBusyLockTimesOutNamingHolder(t *testing.T) {
	dir := t.TempDir()
	a, err := Acquire(context.Background(), dir, holder("run-a"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Release()

	var waitedFor []Holder
	start := time.Now()
	_, err = Acquire(context.Background(), dir, holder("run-b"), Options{
		Wait: 150 * time.Millisecond, Poll: 10 * time.Millisecond,
		OnWait: func(h Holder) { waitedFor = append(waitedFor, h) },
	})
	var te *TimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("err = %v, want *TimeoutError", err)
	}
	if te.Holder.RunID != "run-a" || !strings.Contains(err.Error(), "run run-a") {
		t.Errorf("error %q does not name the holder run-a", err)
	}
	if time.Since(start) < 150*time.Millisecond {
		t.Errorf("gave up after %s, before the wait", time.Since(start))
	}
	if len(waitedFor) != 1 || waitedFor[0].RunID != "run-a" {
		t.Errorf("OnWait calls = %+v, want one naming run-a", waitedFor)
	}
}

func TestZeroWaitTriesOnce(t *testing.T) {
	dir := t.TempDir()
	a, _ := Acquire(context.Background(), dir, holder("run-a"), Options{})
	defer a.Release()
	start := time.Now()
	_, err := Acquire(context.Background(), dir, holder("run-b"), Options{})
	var te *TimeoutError
	if !errors.As(err, &te) || time.Since(start) > time.Second {
		t.Fatalf("err = %v after %s, want an immediate *TimeoutError", err, time.Since(start))
	}
}

func TestWaiterGetsLockOnRelease(t *testing.T) {
	dir := t.TempDir()
	a, _ := Acquire(context.Background(), dir, holder("run-a"), Options{})
	released := make(chan time.Time, 1)
	go func() {
		time.Sleep(100 * time.Millisecond)
		released <- time.Now()
		a.Release()
	}()
	b, err := Acquire(context.Background(), dir, holder("run-b"), Options{Wait: 5 * time.Second, Poll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Release()
	if got := time.Now(); got.Before(<-released) {
		t.Fatal("run-b got the lock before run-a released it")
	}
	if h := ReadHolder(dir + "/" + File); h.RunID != "run-b" {
		t.Errorf("holder after hand-over = %+v, want run-b", h)
	}
}

func TestWaitEndsWithContext(t *testing.T) {
	dir := t.TempDir()
	a, _ := Acquire(context.Background(), dir, holder("run-a"), Options{})
	defer a.Release()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := Acquire(ctx, dir, holder("run-b"), Options{Wait: time.Minute})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want the context's error", err)
	}
}

func TestUnknownHolder(t *testing.T) {
	if got := ReadHolder(t.TempDir() + "/missing").String(); got != "an unknown run" {
		t.Errorf("String() = %q", got)
	}
}
