package cli

import (
	"fmt"
	"io"
	"sync"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/termtext"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
)

// progress prints live per-host progress on a terminal: one line as each
// step of each host finishes, and a running count of finished hosts. Off the
// terminal (or with -o json) it is silent: logs and the report say it all.
type progress struct {
	mu       sync.Mutex
	w        io.Writer
	on       bool
	total    int
	finished int
}

func newProgress(w io.Writer, on bool, total int) *progress {
	return &progress{w: w, on: on, total: total}
}

func (p *progress) event(e event.Event) {
	if !p.on || e.Type != event.TypeStepFinished {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.w, "  %-16s %-10s %s\n", termtext.Escape(e.Host), termtext.Escape(e.Step), termtext.Escape(string(e.Status)))
}

func (p *progress) done(t *phase.Target) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.finished++
	msg := string(t.Result.Status)
	if t.Result.Error != "" {
		msg += ": " + t.Result.Error
	}
	fmt.Fprintf(p.w, "[%d/%d] %-16s %s (%s)\n", p.finished, p.total, t.Name, termtext.Escape(msg), t.Result.Duration.Round(1e6))
}
