package step

import (
	"fmt"
	"slices"
	"strings"
)

// Registry maps plan step names to steps. The plan, not the registry,
// decides the order.
type Registry struct {
	steps map[string]Step
}

// NewRegistry returns a registry holding steps. A duplicate name is a
// programming error and panics, at start-up, in every test.
func NewRegistry(steps ...Step) *Registry {
	r := &Registry{steps: make(map[string]Step, len(steps))}
	for _, s := range steps {
		if _, dup := r.steps[s.Name()]; dup {
			panic(fmt.Sprintf("step %q registered twice", s.Name()))
		}
		r.steps[s.Name()] = s
	}
	return r
}

// Names lists the registered steps, sorted.
func (r *Registry) Names() []string {
	names := make([]string, 0, len(r.steps))
	for n := range r.steps {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// ResolveError names the plan's steps this agent does not have, or names
// twice (events are keyed by step name, so a step runs once per run).
type ResolveError struct {
	Unknown   []string
	Duplicate []string
	Known     []string
}

func (e *ResolveError) Error() string {
	var parts []string
	if len(e.Unknown) > 0 {
		parts = append(parts, fmt.Sprintf("plan names unknown step(s) %s; this agent has %s",
			strings.Join(e.Unknown, ", "), strings.Join(e.Known, ", ")))
	}
	if len(e.Duplicate) > 0 {
		parts = append(parts, fmt.Sprintf("plan names step(s) %s more than once", strings.Join(e.Duplicate, ", ")))
	}
	return strings.Join(parts, "; ")
}

// Resolve returns the steps for names, in that order. Every name must be
// known: a plan with one unknown step runs nothing, rather than half of
// what was asked.
func (r *Registry) Resolve(names []string) ([]Step, error) {
	out := make([]Step, 0, len(names))
	seen := make(map[string]bool, len(names))
	var bad ResolveError
	for _, n := range names {
		s, ok := r.steps[n]
		switch {
		case !ok:
			bad.Unknown = append(bad.Unknown, fmt.Sprintf("%q", n))
		case seen[n]:
			bad.Duplicate = append(bad.Duplicate, fmt.Sprintf("%q", n))
		default:
			out = append(out, s)
		}
		seen[n] = true
	}
	if len(bad.Unknown)+len(bad.Duplicate) > 0 {
		bad.Known = r.Names()
		return nil, &bad
	}
	return out, nil
}
