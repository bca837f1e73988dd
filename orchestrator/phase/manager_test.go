package phase

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/remote"
	"github.com/ck8s/ck8sctl/internal/remote/remotetest"
	"github.com/ck8s/ck8sctl/orchestrator/host"
)

// fake is a phase whose Run is a function; it notes which hosts it ran on.
type fake struct {
	title   string
	run     func(ctx context.Context, t *Target) error
	enabled func(*Target) bool // nil: always

	mu  sync.Mutex
	ran []string
}

func (f *fake) Title() string { return f.title }

func (f *fake) Run(ctx context.Context, t *Target) error {
	f.mu.Lock()
	f.ran = append(f.ran, t.Name)
	f.mu.Unlock()
	if f.run == nil {
		return nil
	}
	return f.run(ctx, t)
}

func (f *fake) hosts() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(slices.Values(f.ran))
}

// optional is a fake that is also an Optional phase.
type optional struct{ *fake }

func (o optional) Enabled(t *Target) bool { return o.enabled(t) }

func targets(n int) []*Target {
	out := make([]*Target, n)
	for i := range out {
		name := fmt.Sprintf("h%d", i+1)
		out[i] = &Target{Name: name, Result: &Result{Host: name, Status: StatusFailed}, Log: slog.New(slog.DiscardHandler)}
	}
	return out
}

func names(ts []*Target) []string {
	var out []string
	for _, t := range ts {
		out = append(out, t.Name)
	}
	return out
}

// Never more than Forks hosts at once, and Forks at once when there are
// enough hosts.
func TestManagerBoundsConcurrentHosts(t *testing.T) {
	for _, forks := range []int{1, 3} {
		t.Run(fmt.Sprint(forks), func(t *testing.T) {
			var mu sync.Mutex
			running, peak, reached := 0, 0, false
			full := make(chan struct{})
			work := &fake{title: "work", run: func(context.Context, *Target) error {
				mu.Lock()
				running++
				peak = max(peak, running)
				if running == forks && !reached {
					reached = true
					close(full)
				}
				mu.Unlock()
				defer func() {
					mu.Lock()
					running--
					mu.Unlock()
				}()
				select { // hold the slot until the bound is reached once
				case <-full:
				case <-time.After(time.Second):
				}
				time.Sleep(time.Millisecond)
				return nil
			}}
			var done atomic.Int32
			ts := targets(8)
			m := &Manager{Phases: []Phase{work}, Forks: forks, Done: func(*Target) { done.Add(1) }}
			m.Run(t.Context(), ts)
			if peak != forks {
				t.Errorf("peak %d hosts at once, want %d", peak, forks)
			}
			if done.Load() != 8 || len(work.hosts()) != 8 {
				t.Errorf("done %d, worked on %d hosts, want 8", done.Load(), len(work.hosts()))
			}
			for _, tg := range ts {
				if tg.Result.Status != StatusOK || tg.Result.Phase != "work" {
					t.Errorf("%s: %s in %s", tg.Name, tg.Result.Status, tg.Result.Phase)
				}
			}
		})
	}
}

// A failing phase stops its host; the other hosts carry on to the end.
// Disabled optional phases are skipped: the phase a host ended in ran.
func TestManagerStopsOnlyTheFailingHost(t *testing.T) {
	boom := errors.New("boom")
	first := &fake{title: "first"}
	failing := &fake{title: "failing", run: func(_ context.Context, t *Target) error {
		if t.Name == "h2" {
			return fmt.Errorf("on %s: %w", t.Name, boom)
		}
		return nil
	}}
	last := &fake{title: "last"}
	off := optional{&fake{title: "off", enabled: func(*Target) bool { return false }}}
	onlyH3 := optional{&fake{title: "only-h3", enabled: func(t *Target) bool { return t.Name == "h3" }}}
	ts := targets(3)
	(&Manager{Phases: []Phase{first, failing, last, off, onlyH3}, Forks: 2}).Run(t.Context(), ts)

	if got := last.hosts(); !slices.Equal(got, []string{"h1", "h3"}) {
		t.Errorf("last phase ran on %q, want h1 and h3", got)
	}
	if got := off.hosts(); len(got) != 0 {
		t.Errorf("disabled phase ran on %q", got)
	}
	if got := onlyH3.hosts(); !slices.Equal(got, []string{"h3"}) {
		t.Errorf("optional phase ran on %q, want h3", got)
	}
	h1, h2, h3 := ts[0].Result, ts[1].Result, ts[2].Result
	if h2.Status != StatusFailed || h2.Phase != "failing" || !errors.Is(h2.Err(), boom) || h2.Error != "on h2: boom" {
		t.Errorf("h2: %s in %s: %v", h2.Status, h2.Phase, h2.Err())
	}
	if h1.Status != StatusOK || h1.Phase != "last" || h3.Status != StatusOK || h3.Phase != "only-h3" {
		t.Errorf("h1 %s in %s, h3 %s in %s", h1.Status, h1.Phase, h3.Status, h3.Phase)
	}
}

// Once ctx ends no further phase starts: the host in flight stops at its
// next phase, hosts not started fail without running any.
func TestManagerStopsWhenTheContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	first := &fake{title: "first", run: func(context.Context, *Target) error {
		cancel()
		return nil
	}}
	second := &fake{title: "second"}
	ts := targets(3)
	(&Manager{Phases: []Phase{first, second}, Forks: 1}).Run(ctx, ts)
	if got := first.hosts(); len(got) != 1 || len(second.hosts()) != 0 {
		t.Fatalf("first ran on %q, second on %q: want one host, then nothing", got, second.hosts())
	}
	for _, tg := range ts {
		if r := tg.Result; r.Status != StatusFailed || !errors.Is(r.Err(), context.Canceled) {
			t.Errorf("%s: %s (%v), want failed by the cancel", tg.Name, r.Status, r.Err())
		}
	}
	if r := ts[0].Result; r.Phase != "second" {
		t.Errorf("the host in flight ended in %q, want second (the phase that did not start)", r.Phase)
	}
}

// Connect dials through the target's Dialer; the Manager closes the
// connection when the host is done, and a dial error is classified.
func TestConnectAndClose(t *testing.T) {
	ts := targets(2)
	conn := &remotetest.Conn{Name: "h1"}
	ts[0].Dialer = func(context.Context) (remote.Conn, error) { return conn, nil }
	ts[1].Dialer = func(context.Context) (remote.Conn, error) {
		return nil, fmt.Errorf("connecting to h2: %w: 198.18.0.2:22: connection refused", host.ErrUnreachable)
	}
	var seen remote.Conn
	use := &fake{title: "use", run: func(_ context.Context, t *Target) error {
		seen = t.Client
		return nil
	}}
	(&Manager{Phases: []Phase{Connect{}, use}, Forks: 1}).Run(t.Context(), ts)
	if seen != conn || !conn.Closed() {
		t.Errorf("later phase saw %v, closed %v: want the dialled connection, closed at the end", seen, conn.Closed())
	}
	if r := ts[1].Result; r.Status != StatusUnreachable || r.Phase != "connect" || !strings.Contains(r.Error, "connection refused") {
		t.Errorf("h2: %s in %s: %s", r.Status, r.Phase, r.Error)
	}
	if got := use.hosts(); !slices.Equal(got, names(ts[:1])) {
		t.Errorf("use ran on %q", got)
	}
}

// A revoked host key and unusable sudo are an untrusted host (exit 3), as
// Dial wraps them, not a failed check.
func TestClassifyRevokedAndSudo(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("connecting to h1 (root@198.18.0.2:22): %w: ssh-ed25519 SHA256:x (/kh:1)", host.ErrHostKeyRevoked),
		fmt.Errorf("connecting to h1: %w: h1:22 presented a certificate", host.ErrHostCertificate),
		fmt.Errorf("connecting to h1: sudo -n true: %w", host.ErrSudo),
		fmt.Errorf("connecting to h1: %w", host.ErrSudoPassword),
	} {
		if got := Classify(err); got != StatusUnreachable {
			t.Errorf("Classify(%v) = %s, want %s", err, got, StatusUnreachable)
		}
	}
}

// Classify keeps matching the connection sentinel under both its names.
func TestClassifyConnectionLost(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("running agent on h1: %w: EOF", remote.ErrConnectionLost),
		fmt.Errorf("agent run on h1: %w", host.ErrConnectionLost),
	} {
		if got := Classify(err); got != StatusUnreachable {
			t.Errorf("Classify(%v) = %s", err, got)
		}
	}
}
