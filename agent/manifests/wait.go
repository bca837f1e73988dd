package manifests

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/ck8s/ck8sctl/internal/event"
)

// pollEvery is how often the step looks again at what it waits for.
const pollEvery = time.Second

// waitKinds waits until the API server serves every kind of objs: their
// CRDs exist and are established (discovery lists a CRD's kind only then).
// After cert-manager's install, its CRDs come from the HelmChart (k3s's
// helm controller installs the chart) or the bundle applied just before.
func (s *session) waitKinds(ctx context.Context, objs []object, why string) error {
	for {
		var missing []string
		for _, o := range objs {
			if _, err := s.kube.resource(ctx, o.u.DeepCopy()); errors.Is(err, ErrNoKind) {
				if k := gvkString(o.gvk()); !slices.Contains(missing, k) {
					missing = append(missing, k)
				}
			} else if err != nil {
				return &ApplyError{Object: o.String(), Source: o.src, Err: err}
			}
		}
		if len(missing) == 0 {
			return nil
		}
		if time.Now().After(s.deadline) {
			return fmt.Errorf("the API server still has no %s when the wait (manifests.wait) ran out: %s",
				strings.Join(missing, ", "), why)
		}
		msg := fmt.Sprintf("waiting for the API server to serve %s (%s)", strings.Join(missing, ", "), why)
		s.waiting(msg, msg)
		if err := sleep(ctx, pollEvery); err != nil {
			return err
		}
		s.kube.mapper.Reset()
	}
}

// waiting reports what the step waits for, once per distinct reason
// (key): msg may carry details that change on every attempt.
func (s *session) waiting(key, msg string) {
	if key == s.lastWait {
		return
	}
	s.lastWait = key
	s.env.Emit(event.TypeManifestsWaiting, event.StatusInfo, msg, nil)
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// definedKinds returns the kinds the CRDs among objs define, so that check
// mode knows which objects cannot be dry-run before those CRDs exist.
func definedKinds(objs []object) map[schema.GroupKind]bool {
	out := map[schema.GroupKind]bool{}
	for _, o := range objs {
		if o.gvk().Kind != "CustomResourceDefinition" {
			continue
		}
		group, _, _ := unstructured.NestedString(o.u.Object, "spec", "group")
		kind, _, _ := unstructured.NestedString(o.u.Object, "spec", "names", "kind")
		out[schema.GroupKind{Group: group, Kind: kind}] = true
	}
	return out
}
