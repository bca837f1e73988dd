package manifests

import (
	"context"
	"fmt"
	"strings"
	"sync"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/client-go/rest"
)

// mapper maps a kind to its resource and scope through the API server's
// discovery documents (/api/v1, /apis/GROUP/VERSION), one group version at
// a time, cached until Reset. client-go's discovery package does the same
// but links every built-in API type into the agent (~25 MB); the agent
// needs names and scopes only.
type mapper struct {
	rc *rest.RESTClient

	mu    sync.Mutex
	cache map[schema.GroupVersion]*metav1.APIResourceList // nil value: not served
}

// mapping is where a kind lives.
type mapping struct {
	Resource   schema.GroupVersionResource
	Namespaced bool
}

func newMapper(cfg *rest.Config) (*mapper, error) {
	cfg = rest.CopyConfig(cfg)
	cfg.GroupVersion = &schema.GroupVersion{}
	cfg.APIPath = "/"
	cfg.NegotiatedSerializer = codecs
	rc, err := rest.UnversionedRESTClientFor(cfg)
	if err != nil {
		return nil, err
	}
	return &mapper{rc: rc, cache: map[schema.GroupVersion]*metav1.APIResourceList{}}, nil
}

// Reset forgets what discovery said, after CRDs were added.
func (m *mapper) Reset() {
	m.mu.Lock()
	m.cache = map[schema.GroupVersion]*metav1.APIResourceList{}
	m.mu.Unlock()
}

// Mapping returns gvk's resource, or an error wrapping ErrNoKind when the
// API server does not serve it.
func (m *mapper) Mapping(ctx context.Context, gvk schema.GroupVersionKind) (mapping, error) {
	l, err := m.resources(ctx, gvk.GroupVersion())
	if err != nil {
		return mapping{}, err
	}
	if l != nil {
		for _, r := range l.APIResources {
			if r.Kind == gvk.Kind && !strings.Contains(r.Name, "/") {
				return mapping{Resource: gvk.GroupVersion().WithResource(r.Name), Namespaced: r.Namespaced}, nil
			}
		}
	}
	return mapping{}, fmt.Errorf("%w: %s", ErrNoKind, gvkString(gvk))
}

func (m *mapper) resources(ctx context.Context, gv schema.GroupVersion) (*metav1.APIResourceList, error) {
	m.mu.Lock()
	l, ok := m.cache[gv]
	m.mu.Unlock()
	if ok {
		return l, nil
	}
	path := "/apis/" + gv.Group + "/" + gv.Version
	if gv.Group == "" {
		path = "/api/" + gv.Version
	}
	l = &metav1.APIResourceList{}
	err := m.rc.Get().AbsPath(path).Do(ctx).Into(l)
	switch {
	case apierrors.IsNotFound(err):
		l = nil
	case err != nil:
		return nil, fmt.Errorf("discovery %s: %w", path, err)
	}
	m.mu.Lock()
	m.cache[gv] = l
	m.mu.Unlock()
	return l, nil
}

// codecs decodes discovery documents and API errors (Status); nothing else
// goes through the mapper's client.
var codecs = func() runtime.NegotiatedSerializer {
	s := runtime.NewScheme()
	metav1.AddToGroupVersion(s, schema.GroupVersion{Version: "v1"})
	return serializer.NewCodecFactory(s).WithoutConversion()
}()
