package manifests

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/ck8s/ck8sctl/internal/plan"
)

func TestDecodeOrdersByPhaseKeepingRenderedOrder(t *testing.T) {
	in := []plan.ManifestObject{
		{Source: "a:1", YAML: "apiVersion: cert-manager.io/v1\nkind: ClusterIssuer\nmetadata: {name: le}\n"},
		{Source: "b:1", YAML: "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: apps}\n"},
		{Source: "c:1", YAML: "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata: {name: x.example.com}\n"},
		{Source: "d:1", YAML: "apiVersion: v1\nkind: Namespace\nmetadata: {name: apps}\n"},
		{Source: "e:1", YAML: "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: apps}\n"},
	}
	objs, err := decode(in)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.src)
	}
	if want := []string{"c:1", "d:1", "b:1", "e:1", "a:1"}; !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
}

func TestDecodeNamesTheSourceOfABadObject(t *testing.T) {
	for _, tc := range []struct{ yaml, want string }{
		{"kind: [", "deploy/x.yaml:3: not a Kubernetes object"},
		{"apiVersion: v1\nmetadata: {name: a}\n", "deploy/x.yaml:3: apiVersion and kind are required"},
		{"apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n", "deploy/x.yaml:3: ConfigMap has no metadata.name"},
	} {
		_, err := decode([]plan.ManifestObject{{Source: "deploy/x.yaml:3", YAML: tc.yaml}})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q: got %v, want prefix %q", tc.yaml, err, tc.want)
		}
	}
}

func TestDiffIgnoresBookkeepingButNotSpec(t *testing.T) {
	live := obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  resourceVersion: \"7\"\n  uid: u1\n  managedFields: [{manager: kubectl}]\ndata: {k: v}\nstatus: {x: 1}\n")
	same := obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  resourceVersion: \"8\"\n  uid: u1\n  managedFields: [{manager: ck8sctl}]\ndata: {k: v}\n")
	if d := diff("ConfigMap a", live, same); d != "" {
		t.Errorf("bookkeeping-only change shows a diff:\n%s", d)
	}
	changed := obj(t, "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\ndata: {k: w}\n")
	d := diff("ConfigMap a", live, changed)
	if !strings.Contains(d, "-  k: v") || !strings.Contains(d, "+  k: w") {
		t.Errorf("diff misses the changed value:\n%s", d)
	}
	if d := diff("ConfigMap a", nil, changed); !strings.Contains(d, "(absent)") {
		t.Errorf("diff of a new object: %s", d)
	}
}

func TestLeftBehindListsOnlyDroppedObjects(t *testing.T) {
	dir := t.TempDir()
	old := []Entry{
		{APIVersion: "v1", Kind: "Namespace", Name: "apps"},
		{APIVersion: "networking.k8s.io/v1", Kind: "NetworkPolicy", Namespace: "old", Name: "deny"},
	}
	if err := writeInventory(dir, old); err != nil {
		t.Fatal(err)
	}
	back, err := readInventory(dir)
	if err != nil || !slices.Equal(back, old) {
		t.Fatalf("inventory round trip: %v %v", back, err)
	}
	lb := leftBehind(back, []Entry{{APIVersion: "v1", Kind: "Namespace", Name: "apps"}})
	if len(lb) != 1 || lb[0].String() != "NetworkPolicy/deny -n old" {
		t.Errorf("left behind %v", lb)
	}
	if es, err := readInventory(t.TempDir()); err != nil || es != nil {
		t.Errorf("no inventory yet: %v %v", es, err)
	}
}

func TestReadyConditionIsCurrentOnlyForTheAppliedGeneration(t *testing.T) {
	u := obj(t, "apiVersion: cert-manager.io/v1\nkind: Certificate\nmetadata: {name: c, generation: 2}\nstatus:\n  conditions:\n  - {type: Ready, status: \"True\", reason: Ready, observedGeneration: 1}\n")
	c := readyCondition(u)
	if c == nil || c.Status != "True" || c.Current || ready(c) {
		t.Errorf("stale Ready counted: %+v", c)
	}
	unstructured.SetNestedSlice(u.Object, []any{map[string]any{"type": "Ready", "status": "True", "observedGeneration": int64(2)}}, "status", "conditions")
	if !ready(readyCondition(u)) {
		t.Error("current Ready not counted")
	}
}

func TestReasonPrefersTheChallenge(t *testing.T) {
	is := Issuance{
		IssuerReady:      &Condition{Status: "True", Reason: "ACMEAccountRegistered", Message: "registered"},
		CertificateReady: &Condition{Status: "False", Reason: "DoesNotExist", Message: "Issuing certificate as Secret does not exist"},
		Order:            &OrderState{Name: "o", State: "pending"},
		Challenges:       []ChallengeState{{DNSName: "staging.lab.test", Type: "HTTP-01", State: "pending", Reason: "Waiting for HTTP-01 challenge propagation: wrong status code '404'"}},
	}
	if r := reason(is); !strings.Contains(r, "HTTP-01 for staging.lab.test") || !strings.Contains(r, "404") {
		t.Errorf("reason %q", r)
	}
	is.Challenges = nil
	if r := reason(is); !strings.Contains(r, "Secret does not exist") {
		t.Errorf("reason without a challenge %q", r)
	}
}

func TestSecretsCoverEveryCredentialForm(t *testing.T) {
	dir := t.TempDir()
	tokenFile := filepath.Join(dir, "token")
	os.WriteFile(tokenFile, []byte("file-token-0123456789"), 0o600)
	kc := `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:6443"}}]
contexts: [{name: c, context: {cluster: c, user: u}}]
current-context: c
users:
- name: u
  user:
    token: bearer-token-0123456789
    client-key-data: ` + base64.StdEncoding.EncodeToString([]byte("-----BEGIN EC PRIVATE KEY-----\nkeybytes\n-----END EC PRIVATE KEY-----\n")) + `
- name: v
  user: {username: admin, password: hunter2-hunter2, tokenFile: ` + tokenFile + `}
`
	cfg, err := clientcmd.Load([]byte(kc))
	if err != nil {
		t.Fatal(err)
	}
	s := secrets(cfg)
	for _, want := range []string{"bearer-token-0123456789", "hunter2-hunter2", "file-token-0123456789",
		"-----BEGIN EC PRIVATE KEY-----\nkeybytes\n-----END EC PRIVATE KEY-----\n",
		base64.StdEncoding.EncodeToString([]byte("bearer-token-0123456789"))} {
		if !slices.Contains(s, want) {
			t.Errorf("secret %q not listed", want)
		}
	}
}

func obj(t *testing.T, y string) *unstructured.Unstructured {
	t.Helper()
	objs, err := decode([]plan.ManifestObject{{Source: "t", YAML: y}})
	if err != nil {
		t.Fatal(err)
	}
	return objs[0].u
}

func TestTransientReasonRetriesOnlyWhatWaitingCures(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{apierrors.NewInternalError(errors.New(`failed calling webhook "webhook.cert-manager.io": connect: connection refused`)), "failed calling webhook"},
		{apierrors.NewServiceUnavailable("starting"), "service unavailable"},
		{apierrors.NewTooManyRequests("slow down", 1), "too many requests"},
		{apierrors.NewInternalError(errors.New("failed to create typed patch object: .data.key: expected string")), ""},
		{apierrors.NewBadRequest(`admission webhook "x" denied the request: no`), ""},
		{apierrors.NewForbidden(schema.GroupResource{Resource: "clusterissuers"}, "acme", errors.New("RBAC")), ""},
		{nil, ""},
	} {
		if got := transientReason(tc.err); got != tc.want {
			t.Errorf("transientReason(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
