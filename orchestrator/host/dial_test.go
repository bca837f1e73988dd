package host

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestRefusedIsUnreachableAndRetried(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("closed-port")
	// Test servers listen on 127.0.0.1 only, so nothing can take this one.
	c.Address, c.Port = "127.0.0.2", freePort(t)
	c.Retries = 2
	start := time.Now()
	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrUnreachable) || !Retryable(err) {
		t.Fatalf("want ErrUnreachable, got %v", err)
	}
	if !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), "connect timeout 5s") {
		t.Errorf("error %q lacks the cause or the timeout", err)
	}
	// Two backoffs happened: at least 125ms + 250ms, well under a second.
	if d := time.Since(start); d < 375*time.Millisecond || d > 3*time.Second {
		t.Errorf("took %s for 3 refused attempts", d)
	}
}

// A peer that accepts TCP and then says nothing must not hang Dial: the
// handshake is bounded by ConnectTimeout, each attempt retried, and a
// healthy host dialled meanwhile is unaffected.
func TestSilentPeerTimesOut(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	hole := startProxy(t, "")
	c := s.Config("silent")
	c.Port, c.ConnectTimeout, c.Retries = hole.Port, 500*time.Millisecond, 1

	healthy := make(chan time.Duration, 1)
	go func() {
		start := time.Now()
		cl, err := Dial(t.Context(), s.Config("healthy"))
		if err != nil {
			t.Error(err)
		} else {
			cl.Close()
		}
		healthy <- time.Since(start)
	}()

	start := time.Now()
	_, err := Dial(t.Context(), c)
	took := time.Since(start)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "handshake did not complete within 500ms") {
		t.Fatalf("want ErrUnreachable handshake timeout, got %v", err)
	}
	// 2 attempts × 500ms + one backoff (≤ 250ms) + slack.
	if limit := 2*c.ConnectTimeout + 250*time.Millisecond + time.Second; took > limit {
		t.Errorf("took %s, want < %s", took, limit)
	}
	if n := hole.Accepts.Load(); n != 2 {
		t.Errorf("%d attempts, want 2", n)
	}
	if d := <-healthy; d > 2*time.Second {
		t.Errorf("healthy dial took %s", d)
	}
}

func TestDialCanceledIsNotUnreachable(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	hole := startProxy(t, "")
	c := s.Config("canceled")
	c.Port = hole.Port
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	_, err := Dial(ctx, c)
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrUnreachable) {
		t.Fatalf("want the caller's deadline, not ErrUnreachable: %v", err)
	}
}

// A peer that vanishes without a RST is noticed by keepalives: Done fires
// after about 3 intervals, and a command in flight fails with
// ErrConnectionLost.
func TestKeepAliveDetectsDeadPeer(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	p := startProxy(t, s.Addr)
	c := s.ConfigVia(t, p, "vanishing")
	c.KeepAlive = 300 * time.Millisecond
	cl := dialT(t, c)

	ran := make(chan error, 1)
	started := make(chan struct{})
	go func() {
		ran <- cl.Run(context.Background(), "echo up; sleep 30", nil, writerFunc(func(b []byte) (int, error) {
			close(started)
			return len(b), nil
		}), nil)
	}()
	<-started
	time.Sleep(3 * c.KeepAlive) // keepalives answered meanwhile
	if cl.Err() != nil {
		t.Fatalf("healthy connection declared dead: %v", cl.Err())
	}
	p.Freeze()
	frozen := time.Now()
	select {
	case <-cl.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("Done did not fire")
	}
	// 3 missed replies are counted on ticks, so up to 4 intervals, + slack.
	if d := time.Since(frozen); d > 4*c.KeepAlive+2*time.Second {
		t.Errorf("dead peer noticed after %s", d)
	}
	if !errors.Is(cl.Err(), ErrConnectionLost) || !strings.Contains(cl.Err().Error(), "keepalive") {
		t.Errorf("Err() = %v", cl.Err())
	}
	select {
	case err := <-ran:
		if !errors.Is(err, ErrConnectionLost) || !Retryable(err) {
			t.Errorf("Run in flight = %v, want ErrConnectionLost", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run in flight did not return")
	}
	if _, err := cl.Output(t.Context(), "true"); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("Run after loss = %v", err)
	}
}

func TestCloseFiresDone(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	cl := dialT(t, s.Config("closing"))
	cl.Close()
	select {
	case <-cl.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed")
	}
	if _, err := cl.Output(t.Context(), "true"); !errors.Is(err, ErrConnectionLost) {
		t.Errorf("Run after Close = %v", err)
	}
}
