package crash

import (
	"errors"
	"strings"
	"sync"
	"testing"
)

// A panic in one of several goroutines reaches their waiter with the
// stack of the goroutine that panicked.
func TestGroupRepanicsWithTheGoroutinesStack(t *testing.T) {
	var g Group
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			defer g.Recover()
			if i == 1 {
				explode()
			}
		})
	}
	wg.Wait()
	defer func() {
		p, ok := recover().(*Panic)
		if !ok || p.Value != "boom" || !strings.Contains(string(p.Stack), "crash.explode") {
			t.Fatalf("recovered %#v, want *Panic boom with explode's stack", p)
		}
	}()
	g.Repanic()
	t.Fatal("Repanic did not panic")
}

func explode() { panic("boom") }

func TestFromKeepsErrors(t *testing.T) {
	cause := errors.New("x")
	if p := From(cause); !errors.Is(p, cause) || From(p) != p {
		t.Fatalf("From: %v", p)
	}
	var g Group
	g.Repanic() // nothing recovered: no panic
}
