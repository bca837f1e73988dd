package manifests

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Action is what applying one object did, or would do in check mode.
type Action string

// Actions.
const (
	Unchanged Action = "unchanged"
	Created   Action = "created"
	Updated   Action = "updated"
	// Unverified: check mode could not dry-run the object because what it
	// depends on (its namespace, its CRD) is itself still to be created.
	Unverified Action = "unverified"
)

// ObjectResult is one object in the step's report.
type ObjectResult struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name"`
	Source    string `json:"source"`
	Action    Action `json:"action"`
	// Diff is from the live object to the server-side dry run of the
	// manifest (drift_detected, applied), without status and bookkeeping.
	Diff string `json:"diff,omitempty"`
}

// ApplyError is an object the API server refused: its message, the
// object and the template line it came from.
type ApplyError struct {
	Object, Source string
	Err            error
}

func (e *ApplyError) Error() string {
	return fmt.Sprintf("%s: %s: %v", e.Source, e.Object, e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }

// reconcile compares o with the server's dry run of applying it and, on a
// real run, applies it when they differ. Unchanged objects are never
// written, so a re-run leaves every resourceVersion as it was.
func (s *session) reconcile(ctx context.Context, o object) (ObjectResult, error) {
	r := ObjectResult{Kind: o.u.GetKind(), Namespace: o.u.GetNamespace(), Name: o.u.GetName(), Source: o.src}
	fail := func(err error) (ObjectResult, error) {
		return r, &ApplyError{Object: o.String(), Source: o.src, Err: err}
	}
	res, err := s.kube.resource(ctx, o.u)
	if errors.Is(err, ErrNoKind) && s.check {
		// Its CRD is not there yet; the install applied before it on a
		// real run brings it.
		r.Action = Unverified
		return r, nil
	}
	if errors.Is(err, ErrNoKind) && o.gvk().Group == "helm.cattle.io" {
		return fail(fmt.Errorf("%w: k3s's helm controller serves it; on a host without k3s set manifests.certManager.install to bundle or none", err))
	}
	if err != nil {
		return fail(err)
	}
	r.Namespace = o.u.GetNamespace()
	live, err := res.Get(ctx, o.u.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		live = nil
	case err != nil:
		return fail(err)
	}
	var dry *unstructured.Unstructured
	err = s.retry(ctx, o, func() (err error) {
		dry, err = res.Apply(ctx, o.u.GetName(), o.u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true, DryRun: []string{metav1.DryRunAll}})
		return err
	})
	if err != nil {
		if s.check && apierrors.IsNotFound(err) {
			// Its namespace is not there yet: a real run creates it first.
			r.Action = Unverified
			return r, nil
		}
		return fail(err)
	}
	r.Diff = diff(o.String(), live, dry)
	switch {
	case live == nil:
		// The whole object is the "diff": render prints it; a report of a
		// first run would otherwise carry every CRD in full.
		r.Action, r.Diff = Created, ""
	case r.Diff == "":
		r.Action = Unchanged
		return r, nil
	default:
		r.Action = Updated
	}
	if s.check {
		return r, nil
	}
	err = s.retry(ctx, o, func() error {
		_, err := res.Apply(ctx, o.u.GetName(), o.u, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
		return err
	})
	if err != nil {
		return fail(err)
	}
	return r, nil
}

// retry runs call until it succeeds, fails for good, or the step's
// deadline passes. Right after cert-manager is installed its webhook
// refuses requests for a while, and an API server under load answers 5xx:
// those are retried with backoff, anything else (a rejected manifest) is
// returned at once.
func (s *session) retry(ctx context.Context, o object, call func() error) error {
	delay := 250 * time.Millisecond
	for {
		err := call()
		why := transientReason(err)
		if err == nil || why == "" {
			return err
		}
		if time.Now().Add(delay).After(s.deadline) {
			return fmt.Errorf("still failing when the wait (manifests.wait) ran out: %w", err)
		}
		// Once per object and kind of failure: the error itself names a
		// new client port on every attempt.
		s.waiting(o.String()+": "+why, fmt.Sprintf("%s: the API server is not accepting it yet (retrying): %v", o, err))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

// transientReason names the kind of failure err is when it is one that
// goes away by waiting (a webhook not answering yet, an overloaded or
// starting API server); "" when it is not.
func transientReason(err error) string {
	if err == nil {
		return ""
	}
	// Not every 500: the API server answers a manifest it cannot convert
	// (a map where a string belongs) with an internal error too, and that
	// never goes away. A webhook that does not answer yet is named below.
	switch {
	case apierrors.IsServiceUnavailable(err):
		return "service unavailable"
	case apierrors.IsTimeout(err), apierrors.IsServerTimeout(err):
		return "timeout"
	case apierrors.IsTooManyRequests(err):
		return "too many requests"
	}
	msg := err.Error()
	for _, s := range []string{"failed calling webhook", "no endpoints available", "connection refused", "connection reset"} {
		if strings.Contains(msg, s) {
			return s
		}
	}
	return ""
}
