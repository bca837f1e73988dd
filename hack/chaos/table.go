package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"
)

// table is the campaign's result, printed as markdown for
// hack/bench/README.md.
type table struct {
	trials, hosts int
	backend       string
	confirm, took time.Duration
	results       map[string][]outcome
}

func (t table) print(w io.Writer) {
	fmt.Fprintf(w, "\n%s, %s, %d CPUs (shared), %d lab hosts, firewall backend %s, %d trials per fault, confirmTimeout %s, %s in all.\n\n",
		time.Now().UTC().Format("2006-01-02"), kernel(), runtime.NumCPU(), t.hosts, t.backend, t.trials, t.confirm, t.took.Round(time.Second))
	fmt.Fprintf(w, "| fault | trials | fault hit | reachable by SSH ≤ confirmTimeout+15 s (slowest) | rules restored | events lost | runs left running |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|\n")
	var notes []string
	for _, f := range faults(t.backend) {
		outs := t.results[f.name]
		var hit, reached, restored, lost, running int
		var slowest time.Duration
		for _, o := range outs {
			hit += b2i(o.hit)
			reached += b2i(o.reached)
			restored += b2i(o.restored)
			lost += o.lost
			running += o.running
			if o.reached {
				slowest = max(slowest, o.reach)
			}
			notes = append(notes, o.notes...)
		}
		n := len(outs)
		fmt.Fprintf(w, "| %s | %d | %d/%d | %d/%d (%s) | %d/%d | %d | %d |\n",
			f.name, n, hit, n, reached, n, slowest.Round(100*time.Millisecond), restored, n, lost, running)
	}
	if len(notes) > 0 {
		fmt.Fprintf(w, "\nNotes:\n")
		for _, n := range notes {
			fmt.Fprintf(w, "- %s\n", strings.ReplaceAll(strings.TrimSpace(n), "\n", "\n  "))
		}
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func kernel() string {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return runtime.GOOS
	}
	return "Linux " + strings.TrimSpace(string(b))
}
