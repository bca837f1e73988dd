// Package crash carries a panic from where it happened to the one place
// that reports it: a goroutine recovers it with its stack, the code that
// waits for the goroutine panics again with it, and the command's main
// function turns it into the internal-error exit code. Without this a
// panic in any goroutine ends the process with the Go runtime's exit code
// 2, which ck8sctl documents as "bad input, nothing ran".
package crash

import (
	"fmt"
	"os"
	"runtime/debug"
	"sync"
	"time"
)

// Panic is a recovered panic: its value and the stack of the goroutine
// that panicked.
type Panic struct {
	Value any
	Stack []byte
}

func (p *Panic) Error() string { return fmt.Sprintf("panic: %v", p.Value) }

// Unwrap returns the value when it is an error (a runtime.Error, say).
func (p *Panic) Unwrap() error {
	err, _ := p.Value.(error)
	return err
}

// From wraps a value returned by recover. Call it in the deferred function
// itself: the stack is still that of the panic then. A *Panic passes
// through, keeping the stack of its first goroutine.
func From(r any) *Panic {
	if p, ok := r.(*Panic); ok {
		return p
	}
	return &Panic{Value: r, Stack: debug.Stack()}
}

// Group keeps the first panic of a set of goroutines, for their waiter to
// raise again (errgroup deliberately does not).
type Group struct {
	mu    sync.Mutex
	first *Panic
}

// Recover is deferred at the top of a goroutine of the group.
func (g *Group) Recover() {
	if r := recover(); r != nil {
		p := From(r)
		g.mu.Lock()
		defer g.mu.Unlock()
		if g.first == nil {
			g.first = p
		}
	}
}

// Repanic panics with the first recovered panic, if any; call it after
// the goroutines are done.
func (g *Group) Repanic() {
	g.mu.Lock()
	p := g.first
	g.mu.Unlock()
	if p != nil {
		panic(p)
	}
}

// Env names a point at which ck8sctl panics on purpose, so tests can prove
// what a crash looks like from outside (exit code, message, the run
// recorded as failed). Not for production use; unset, it does nothing.
const Env = "CK8S_DEBUG_PANIC"

// At panics when Env names point. "fatal:POINT" ends the process with a
// Go fatal error there instead, and "goroutine:POINT" with a panic in a
// goroutine nobody recovers: the two crashes no recover can see, which
// only the supervisor (supervise.go) reports.
func At(point string) {
	switch os.Getenv(Env) {
	case point:
		panic(fmt.Sprintf("%s=%s: deliberate panic for testing", Env, point))
	case "fatal:" + point:
		fatal()
	case "goroutine:" + point:
		go func() { panic(fmt.Sprintf("%s=goroutine:%s: deliberate panic for testing", Env, point)) }()
		time.Sleep(time.Minute) // the goroutine's panic ends the process first
	}
}

// fatal dies of "fatal error: sync: unlock of unlocked mutex", a runtime
// throw: no deferred function runs, no recover sees it.
func fatal() {
	var mu sync.Mutex
	mu.Unlock()
}
