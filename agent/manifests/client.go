package manifests

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/klog/v2"
)

// FieldManager owns, in server-side apply, every field ck8sctl sets. A
// field someone else changed is taken back (Force) and reported as drift.
const FieldManager = "ck8sctl"

// kube is the dynamic client and the discovery-backed REST mapper of one
// API server. The mapper is reset after CRDs are installed, so kinds that
// did not exist a moment ago resolve.
type kube struct {
	dyn    dynamic.Interface
	mapper *mapper
}

var klogOnce sync.Once

func newKube(cfg *rest.Config, log *slog.Logger) (*kube, error) {
	// client-go logs through klog straight to stderr; send it through the
	// run's logger, which masks secrets like every other line.
	klogOnce.Do(func() { klog.SetSlogLogger(log) })
	cfg = rest.CopyConfig(cfg)
	// A cert-manager release is ~50 objects, each read, dry-run and maybe
	// applied: client-go's default 5 QPS would make that a minute.
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "ck8s-agent"
	cfg.WarningHandler = warnings{log}
	m, err := newMapper(cfg)
	if err != nil {
		return nil, fmt.Errorf("API client: %w", err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("API client: %w", err)
	}
	return &kube{dyn: dyn, mapper: m}, nil
}

// warnings logs the API server's Warning headers (deprecated APIs).
type warnings struct{ log *slog.Logger }

func (w warnings) HandleWarningHeader(code int, agent, text string) {
	w.log.Warn("API server warning", "text", text)
}

// ErrNoKind is a kind the API server does not serve (its CRD missing).
var ErrNoKind = errors.New("the API server has no such kind")

// resource returns the client for u's kind and namespace, defaulting a
// namespaced object's namespace to "default" as kubectl does. A kind
// missing from a stale discovery cache is looked up once more, fresh.
func (k *kube) resource(ctx context.Context, u *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := u.GroupVersionKind()
	m, err := k.mapper.Mapping(ctx, gvk)
	if errors.Is(err, ErrNoKind) {
		k.mapper.Reset()
		m, err = k.mapper.Mapping(ctx, gvk)
	}
	if err != nil {
		return nil, err
	}
	if m.Namespaced {
		ns := u.GetNamespace()
		if ns == "" {
			ns = "default"
			u.SetNamespace(ns)
		}
		return k.dyn.Resource(m.Resource).Namespace(ns), nil
	}
	return k.dyn.Resource(m.Resource), nil
}

func (k *kube) get(ctx context.Context, gvr schema.GroupVersionResource, ns, name string) (*unstructured.Unstructured, error) {
	if ns == "" {
		return k.dyn.Resource(gvr).Get(ctx, name, getOpts)
	}
	return k.dyn.Resource(gvr).Namespace(ns).Get(ctx, name, getOpts)
}

func (k *kube) list(ctx context.Context, gvr schema.GroupVersionResource, ns string) ([]unstructured.Unstructured, error) {
	l, err := k.dyn.Resource(gvr).Namespace(ns).List(ctx, listOpts)
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}

func gvkString(gvk schema.GroupVersionKind) string {
	return gvk.Kind + " (" + gvk.GroupVersion().String() + ")"
}

var (
	getOpts  = metav1.GetOptions{}
	listOpts = metav1.ListOptions{}
)
