// Package facts is the agent step "facts": what the host is (OS, kernel,
// addresses, firewall front ends, Kubernetes), reported once per run as
// event facts.collected with a facts.Facts (internal/facts) as data. It only
// reads, through the step's root prefix, so it is safe in check mode.
package facts

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
)

// Step collects facts. Its fields reach what a root prefix cannot fake;
// tests replace them.
type Step struct {
	// Interfaces lists network interfaces (default: net.Interfaces).
	Interfaces func() ([]facts.Interface, error)
	// Uname is the kernel's own answer, used when root is "/" and
	// /proc/sys/kernel cannot be read.
	Uname func() (facts.Kernel, string, error)
	// IptablesVersion runs `iptables -V` when symlinks do not tell the
	// variant.
	IptablesVersion func(ctx context.Context, path string) (string, error)
}

var _ step.Checker = (*Step)(nil)

// New returns the step reading the real host.
func New() *Step {
	return &Step{Interfaces: interfaces, Uname: uname, IptablesVersion: iptablesVersion}
}

// Name implements step.Step.
func (*Step) Name() string { return "facts" }

// CheckSafe implements step.Checker: facts only reads.
func (*Step) CheckSafe() bool { return true }

// Run implements step.Step. What cannot be read becomes a warning in the
// facts; the step fails only when interrupted.
func (s *Step) Run(ctx context.Context, env *step.Env) error {
	f := s.Collect(ctx, env)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("collecting facts: %w", err)
	}
	for _, w := range f.Warnings {
		env.Log.Warn("fact not collected", "err", w)
	}
	env.Emit(event.TypeFactsCollected, event.StatusOK, summary(f), f)
	return nil
}

// Collect gathers the facts under env's root.
func (s *Step) Collect(ctx context.Context, env *step.Env) facts.Facts {
	f := facts.Facts{Arch: runtime.GOARCH, Labels: env.Plan.Labels}
	var warn []error
	note := func(err error) {
		if err != nil {
			warn = append(warn, err)
		}
	}
	var err error
	f.OS, err = readOSRelease(env.Root)
	note(err)
	f.Kernel, f.Hostname, f.Machine, err = s.kernel(env.Root)
	note(err)
	f.Interfaces, err = s.Interfaces()
	note(err)
	f.Firewall, err = s.firewall(ctx, env.Root)
	note(err)
	f.Kubernetes = kubernetes(env.Root)
	for _, w := range warn {
		f.Warnings = append(f.Warnings, w.Error())
	}
	return f
}

// summary is the event message: one line a person reads in a report.
func summary(f facts.Facts) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s %s, kernel %s, %s", f.Hostname, orQ(f.OS.ID), f.OS.VersionID, orQ(f.Kernel.Release), f.Arch)
	fmt.Fprintf(&b, ", %d interface(s)", len(f.Interfaces))
	if ipt := f.Firewall.Iptables; ipt != nil {
		fmt.Fprintf(&b, ", iptables (%s)", ipt.Variant)
	}
	if f.Firewall.Nft != nil {
		b.WriteString(", nft")
	}
	if k := f.Kubernetes; k.Present {
		fmt.Fprintf(&b, ", kubernetes (%s)", orQ(k.Distribution))
	}
	return b.String()
}

func orQ(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
