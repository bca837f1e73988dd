// Package manifests is the agent's manifests step: it applies the
// rendered cert-manager and network-baseline objects to the host's own
// Kubernetes API server (found through the host's kubeconfig, so the API
// port never has to be open to the outside) with server-side apply, then
// follows the certificate's issuance until it is Ready.
//
// Every object is first dry-run on the server (dryRun=All) and compared
// with the live one: an equal object is never written, so a re-run changes
// nothing and says so; a field someone changed by hand shows up as a
// diff, which check mode reports as drift and a real run corrects.
package manifests

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8s/ck8sctl/agent/http01"
	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// Step is the manifests step.
type Step struct {
	// Dial, if set, opens the API server connections; tests and benchmarks
	// reach an API server inside another network namespace through it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
}

var _ step.Checker = Step{}

// New returns the manifests step.
func New() Step { return Step{} }

// Name implements step.Step.
func (Step) Name() string { return plan.StepManifests }

// CheckSafe implements step.Checker: check mode only reads and dry-runs.
func (Step) CheckSafe() bool { return true }

// Report is the data of the manifests.* events.
type Report struct {
	// Kubeconfig is the file's path on the host (never its content);
	// Server the API server it names.
	Kubeconfig string         `json:"kubeconfig"`
	Server     string         `json:"server"`
	Objects    []ObjectResult `json:"objects"`
	Changed    int            `json:"changed"`
	Unchanged  int            `json:"unchanged"`
	// LeftBehind are objects an earlier run applied that the playbook no
	// longer renders; they are left in place.
	LeftBehind []Entry `json:"leftBehind,omitempty"`
}

// session is one run of the step against one API server.
type session struct {
	env      *step.Env
	kube     *kube
	check    bool
	deadline time.Time
	lastWait string
}

// Run implements step.Step.
func (st Step) Run(ctx context.Context, env *step.Env) error {
	mp := env.Plan.Manifests
	if mp == nil {
		return errors.New(`the plan has no "manifests" section (the playbook's manifests:); nothing changed`)
	}
	objs, err := decode(mp.Objects)
	if err != nil {
		return err
	}
	if err := rehearsed(ctx, env); err != nil {
		return err
	}
	cfg, path, err := restConfig(env, mp.Kubeconfig)
	if err != nil {
		return err
	}
	if st.Dial != nil {
		cfg.Dial = st.Dial
	}
	k, err := newKube(cfg, env.Log)
	if err != nil {
		return err
	}
	rep := Report{Kubeconfig: path, Server: cfg.Host}
	if _, err := k.mapper.resources(ctx, schema.GroupVersion{Version: "v1"}); err != nil {
		return fmt.Errorf("the API server %s (kubeconfig %s) does not answer: %w", cfg.Host, path, err)
	}
	s := &session{env: env, kube: k, check: env.Check(), deadline: time.Now().Add(time.Duration(mp.Wait))}
	defined := definedKinds(objs)
	applyErr := s.applyAll(ctx, objs, defined, &rep)
	if applyErr != nil {
		env.Emit(event.TypeManifestsApplied, event.StatusFailed, fmt.Sprintf(
			"stopped at the first object the API server refused (%d applied before it, nothing after): %v", rep.Changed, applyErr), rep)
		return applyErr
	}
	s.report(&rep)
	if err := s.inventory(objs, &rep); err != nil {
		return err
	}
	if s.check {
		return nil
	}
	return s.follow(ctx)
}

// applyAll reconciles objs phase by phase: namespaces and CRDs, then
// (once the CRDs are served) everything else, then (once cert-manager's
// kinds are served) cert-manager's objects. It stops at the first error.
func (s *session) applyAll(ctx context.Context, objs []object, defined map[schema.GroupKind]bool, rep *Report) error {
	for phase := phaseFoundation; phase <= phaseCertManager; phase++ {
		var in []object
		for _, o := range objs {
			if phaseOf(o.gvk()) == phase {
				in = append(in, o)
			}
		}
		if len(in) == 0 {
			continue
		}
		if phase == phaseCertManager && !s.check {
			if err := s.waitKinds(ctx, in, "cert-manager's CRDs, from its install"); err != nil {
				return err
			}
		}
		for _, o := range in {
			r, err := s.reconcile(ctx, o)
			if err != nil {
				return err
			}
			rep.Objects = append(rep.Objects, r)
			switch r.Action {
			case Unchanged:
				rep.Unchanged++
			default:
				rep.Changed++
				if !s.check {
					s.env.Changed()
				}
			}
		}
		if phase == phaseFoundation && !s.check {
			var crds []object
			for _, o := range objs {
				if defined[o.gvk().GroupKind()] {
					crds = append(crds, o)
				}
			}
			if err := s.waitKinds(ctx, crds, "CRDs just applied"); err != nil {
				return err
			}
		}
	}
	return nil
}

// report emits the step's verdict: compliant when nothing differed;
// otherwise drift (failed in check mode, where nothing is applied; info on
// a real run, which has corrected it) for objects that existed and
// differed, and applied for everything written.
func (s *session) report(rep *Report) {
	var drift Report = *rep
	drift.Objects = nil
	for _, r := range rep.Objects {
		if r.Action == Updated || (s.check && r.Action != Unchanged) {
			drift.Objects = append(drift.Objects, r)
		}
	}
	switch {
	case rep.Changed == 0:
		s.env.Emit(event.TypeManifestsCompliant, event.StatusOK,
			fmt.Sprintf("all %d objects match their manifests (server-side dry run); 0 changes", rep.Unchanged), rep)
	case s.check:
		s.env.Emit(event.TypeManifestsDrift, event.StatusFailed,
			fmt.Sprintf("%d of %d objects differ from their manifests; check mode changed nothing", rep.Changed, len(rep.Objects)), drift)
	default:
		if len(drift.Objects) > 0 {
			s.env.Emit(event.TypeManifestsDrift, event.StatusInfo,
				fmt.Sprintf("%d objects differed from their manifests (changed by hand?); corrected", len(drift.Objects)), drift)
		}
		s.env.Emit(event.TypeManifestsApplied, event.StatusChanged,
			fmt.Sprintf("applied %d objects (server-side apply, field manager %s); %d unchanged", rep.Changed, FieldManager, rep.Unchanged), rep)
	}
}

// inventory reports what an earlier run applied that is no longer in the
// plan, and (on a real run) records what this run applied.
func (s *session) inventory(objs []object, rep *Report) error {
	dir := s.env.Plan.Dir()
	old, err := readInventory(dir)
	if err != nil {
		s.env.Log.Warn("reading the manifests inventory; objects dropped from the playbook cannot be listed", "err", err)
	}
	cur := entries(objs)
	if rep.LeftBehind = leftBehind(old, cur); len(rep.LeftBehind) > 0 {
		names := make([]string, len(rep.LeftBehind))
		for i, e := range rep.LeftBehind {
			names[i] = e.String()
		}
		s.env.Emit(event.TypeManifestsLeftBehind, event.StatusInfo, fmt.Sprintf(
			"%d objects applied by an earlier run are no longer in the playbook and were left in place (delete them with kubectl if unwanted): %s",
			len(names), strings.Join(names, ", ")), rep.LeftBehind)
	}
	if s.check {
		return nil
	}
	if err := writeInventory(dir, cur); err != nil {
		return fmt.Errorf("recording the manifests inventory: %w", err)
	}
	return nil
}

// rehearsed waits, when this run rehearses ACME http-01, for the
// orchestrator's verdict: a ClusterIssuer whose challenges cannot succeed
// would only burn the CA's rate limits.
func rehearsed(ctx context.Context, env *step.Env) error {
	h := env.Plan.HTTP01
	if h == nil || env.Check() {
		return nil
	}
	v, err := http01.AwaitVerdict(ctx, env.Plan.Dir(), env.Plan.RunID, time.Duration(h.Window)+2*time.Minute)
	if err != nil {
		return fmt.Errorf("%w; nothing applied", err)
	}
	if !v.Passed {
		return fmt.Errorf("the ACME http-01 rehearsal failed (%s): no ClusterIssuer created, nothing applied", v.Reason)
	}
	return nil
}
