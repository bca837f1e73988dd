package firewall

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// iptRun is one part ready to run: its family, argv and checked input.
type iptRun struct {
	f     *iptFamily
	argv  []string
	input string
}

// Apply runs b's parts in order, one restore per family.
//
// A restore commits each *table section on its own, in both variants: when
// the filter section fails, the mangle section before it is already live.
// So Apply makes each family all or nothing itself: every part is first
// run with --test (nothing changes if any family's input is refused), and a
// part that still fails is undone at once with that family's own snapshot.
// A family applied before the failing one stays applied; the error says
// so, and the caller rolls back with its snapshot.
//
// The --test runs are skipped where they can teach nothing: in the
// scratch namespace, and for a batch the kernel has just committed there
// (provenRuns). They are not free: iptables-nft's --test sends the batch
// and the kernel aborts it, which waits for an RCU grace period (25-80 ms
// of wall time each on the lab's VM, two per apply).
func (b *iptBackend) Apply(ctx context.Context, bt Batch) error {
	if bt.Backend != NameIPTables {
		return fmt.Errorf("applying a %q batch with the iptables backend: refused", bt.Backend)
	}
	runs, err := b.prepareAll(bt)
	if err != nil {
		return err
	}
	if !b.scratch && !b.provenRuns(runs) {
		for _, r := range runs {
			if _, err := iptExec(ctx, r.input, append(slices.Clone(r.argv), "--test")); err != nil {
				return fmt.Errorf("checking the %s rules before applying them (nothing was changed): %w", r.f.name, err)
			}
		}
	}
	var done []string
	for _, r := range runs {
		undo, err := r.f.snapshot()
		if err != nil {
			return errors.Join(iptPartial(done), err)
		}
		_, err = iptExec(ctx, r.input, r.argv)
		r.f.forget(true)
		if err != nil {
			err = fmt.Errorf("applying the %s rules: %w", r.f.name, err)
			if uerr := b.runPart(ctx, undo); uerr != nil {
				err = fmt.Errorf("%w; putting the %s rules back failed too: %w", err, r.f.name, uerr)
			}
			return errors.Join(iptPartial(done), err)
		}
		done = append(done, r.f.name)
	}
	return nil
}

// prove records the parts of bt, which the kernel has just committed in
// a scratch namespace (expected), for Apply on this live backend.
func (b *iptBackend) prove(bt Batch) {
	b.proven = map[string]iptRun{}
	for _, p := range bt.Parts {
		if f := b.family(p.Argv); f != nil {
			b.proven[f.name] = iptRun{f: f, argv: p.Argv, input: p.Input}
		}
	}
}

// provenRuns reports whether every run is a proven one (prove): the same
// program and arguments and the same input, but for the jumps into the
// owned chains that the live tables already have (a scratch namespace has
// none, so its input inserts them all). Such an input only creates or
// flushes the owned chains and appends the rules the kernel took a moment
// ago, with the same programs and kernel.
func (b *iptBackend) provenRuns(runs []iptRun) bool {
	for _, r := range runs {
		p, ok := b.proven[r.f.name]
		if !ok || !slices.Equal(p.argv, r.argv) || withoutJumps(p.input) != withoutJumps(r.input) {
			return false
		}
	}
	return len(runs) > 0
}

// withoutJumps drops the lines of a restore input that insert the jumps
// into the owned chains (iptProfile.restore).
func withoutJumps(input string) string {
	lines := strings.SplitAfter(input, "\n")
	out := lines[:0]
	for _, l := range lines {
		if !slices.ContainsFunc(iptHooks, func(h iptHook) bool { return l == "-I "+h.hook+" 1 -j "+h.chain+"\n" }) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "")
}

// iptPartial names the families already applied when a later one failed.
func iptPartial(done []string) error {
	if len(done) == 0 {
		return nil
	}
	return fmt.Errorf("the %s rules were applied and stay until rolled back", strings.Join(done, " and "))
}

// prepareAll checks every part before anything runs: its program must be
// one of this backend's restore programs (a batch is read back from disk
// and runs as root) and its input may only touch owned chains.
func (b *iptBackend) prepareAll(bt Batch) ([]iptRun, error) {
	var runs []iptRun
	for i, p := range bt.Parts {
		f := b.family(p.Argv)
		if f == nil {
			return nil, fmt.Errorf("applying iptables batch part %d: %q is not one of this backend's restore programs with --noflush", i, p.Argv)
		}
		input, err := f.prepare(p.Input)
		if err != nil {
			return nil, fmt.Errorf("applying iptables batch part %d (%s): %w", i, f.name, err)
		}
		runs = append(runs, iptRun{f: f, argv: p.Argv, input: input})
	}
	return runs, nil
}

// family is the family whose restore program argv runs, nil when argv is
// anything else. Without --noflush a restore flushes every chain of the
// tables it names, kube-proxy's and docker's included, so it is required,
// and no other option is allowed.
func (b *iptBackend) family(argv []string) *iptFamily {
	if len(argv) < 2 || !slices.Contains(argv, "--noflush") {
		return nil
	}
	for _, a := range argv[1:] {
		if a != "--noflush" && a != "-w" {
			return nil
		}
	}
	for _, f := range b.fams {
		if argv[0] == f.restore {
			return f
		}
	}
	return nil
}

func (b *iptBackend) runPart(ctx context.Context, p Part) error {
	f := b.family(p.Argv)
	if f == nil {
		return fmt.Errorf("%q is not one of this backend's restore programs", p.Argv)
	}
	input, err := f.prepare(p.Input)
	if err == nil {
		_, err = iptExec(ctx, input, p.Argv)
		f.forget(true)
	}
	return err
}

// iptExec runs argv with input on stdin; its error carries the command
// line and what the program said on stderr.
func iptExec(ctx context.Context, input string, argv []string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin = strings.NewReader(input)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("running %s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
