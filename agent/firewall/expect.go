package firewall

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"syscall"
	"time"
)

// expected returns the owned state the profile renders to, in the text
// State prints: only the kernel tools print the canonical form, so the
// agent applies the profile where it harms nothing, in a scratch network
// namespace, and lists it there. Needs no baseline, works on a fresh host
// and never changes the host.
//
// The namespace is the agent's own, not a re-executed agent's: one
// goroutine locks itself to its OS thread, unshares the thread's network
// namespace (as `unshare --net` would) and runs the programs from there,
// since a child inherits the namespaces of the thread that forks it. The
// goroutine returns without unlocking, so the runtime ends the thread and
// the namespace with it; no other goroutine ever runs in it, and the
// runtime never starts new threads from a locked one. That saves an agent
// start (the Go runtime and a page-in of the binary) on every apply.
//
// live is the host's backend, already read: its iptables version serves
// the scratch restores (see fresh).
func expected(ctx context.Context, c choice, p Profile, live Backend) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	r := inScratchNamespace(func() scratchResult {
		s, bt, err := renderScratch(ctx, c, p, live)
		return scratchResult{s, bt, err}
	})
	if r.err != nil {
		return "", fmt.Errorf("rendering the profile in a scratch network namespace: %w", r.err)
	}
	if ib, ok := live.(*iptBackend); ok {
		ib.prove(r.batch)
	}
	return r.state, nil
}

type scratchResult struct {
	state string
	batch Batch // what was applied
	err   error
}

// inScratchNamespace runs fn on a locked thread of its own in a new
// network namespace (see expected), never on the main thread: a goroutine
// that ends locked to the main thread wedges it instead of ending it, and
// the main thread's namespace is the one /proc/PID/ns/net and
// /proc/PID/net show for the whole process. Should the goroutine land
// there, it keeps the main thread locked (so no other goroutine can take
// it) while a second goroutine, necessarily elsewhere, does the work.
func inScratchNamespace(fn func() scratchResult) scratchResult {
	done := make(chan scratchResult, 1)
	go func() {
		runtime.LockOSThread()
		if syscall.Gettid() == syscall.Getpid() {
			done <- inScratchNamespace(fn)
			runtime.UnlockOSThread()
			return
		}
		// Never unlocked from here on: the thread ends with the goroutine.
		if err := syscall.Unshare(syscall.CLONE_NEWNET); err != nil {
			done <- scratchResult{err: fmt.Errorf("creating a scratch network namespace: %w", err)}
			return
		}
		done <- fn()
	}()
	return <-done
}

// renderScratch applies p in the calling thread's network namespace and
// returns the owned state that results. It refuses to run anywhere but in
// a fresh network namespace, so a wrong caller can never change a host.
func renderScratch(ctx context.Context, c choice, p Profile, live Backend) (string, Batch, error) {
	if err := scratchNamespace(); err != nil {
		return "", Batch{}, err
	}
	b, err := c.open()
	if err != nil {
		return "", Batch{}, err
	}
	defer holdReads(b)() // nothing else changes a scratch namespace
	if ib, ok := b.(*iptBackend); ok {
		ib.fresh(live)
	}
	batch, err := b.Render(ctx, p)
	if err != nil {
		return "", Batch{}, err
	}
	if err := b.Apply(ctx, batch); err != nil {
		return "", Batch{}, err
	}
	s, err := b.State(ctx)
	return s, batch, err
}

// scratchNamespace checks that no interface is up, loopback included: a
// network namespace as unshare creates it, not a host (whose loopback is
// always up).
func scratchNamespace() error {
	ifs, err := net.Interfaces()
	if err != nil {
		return fmt.Errorf("listing interfaces: %w", err)
	}
	for _, i := range ifs {
		if i.Flags&net.FlagUp != 0 {
			return fmt.Errorf("refusing to apply: interface %s is up; the expectation is rendered only in a scratch network namespace", i.Name)
		}
	}
	if len(ifs) == 0 {
		return errors.New("refusing to apply: no loopback interface; not a network namespace as unshare creates it")
	}
	return nil
}
