package cli

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"log"
	"net/http"
	"os"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/k8senv"
	"github.com/ck8s/ck8sctl/orchestrator/tlscheck/tlstest"
)

// standInIngress serves, inside netns, what traefik and cert-manager's
// solver pod would: on :80 the key of every pending ACME Challenge at its
// token's path (404 for anything else), on :443 the Secret the
// Certificate is stored in once it exists (a placeholder before).
func standInIngress(t *testing.T, netns string, dyn dynamic.Interface) {
	t.Helper()
	for _, addr := range []string{":80"} { // dual-stack
		ln, err := k8senv.Listen(netns, "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			l, err := dyn.Resource(gvrChallenge).Namespace("").List(r.Context(), metav1.ListOptions{})
			if err == nil {
				for _, c := range l.Items {
					token, _, _ := unstructured.NestedString(c.Object, "spec", "token")
					key, _, _ := unstructured.NestedString(c.Object, "spec", "key")
					if token != "" && r.URL.Path == "/.well-known/acme-challenge/"+token {
						io.WriteString(w, key)
						return
					}
				}
			}
			http.NotFound(w, r)
		}), ReadHeaderTimeout: 5 * time.Second}
		go srv.Serve(ln)
		t.Cleanup(func() { srv.Close() })
	}
	placeholder := tlstest.NewCA(t, tlstest.Name{CN: "placeholder"}).Valid(t, "placeholder.invalid")
	cfg := &tls.Config{GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s, err := dyn.Resource(gvrSecret).Namespace("default").Get(ctx, "staging-tls", metav1.GetOptions{})
		if err != nil {
			return &placeholder, nil
		}
		crt, _, _ := unstructured.NestedString(s.Object, "data", "tls.crt")
		key, _, _ := unstructured.NestedString(s.Object, "data", "tls.key")
		c, err := tls.X509KeyPair(b64(crt), b64(key))
		if err != nil {
			return &placeholder, nil
		}
		return &c, nil
	}}
	for _, addr := range []string{":443"} {
		ln, err := k8senv.Listen(netns, "tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		// The port scan's connects end in resets: not worth a log line.
		srv := &http.Server{Handler: http.NotFoundHandler(), TLSConfig: cfg, ReadHeaderTimeout: 5 * time.Second,
			ErrorLog: log.New(io.Discard, "", 0)}
		go srv.ServeTLS(ln, "", "")
		t.Cleanup(func() { srv.Close() })
	}
}

func b64(s string) []byte {
	b, _ := base64.StdEncoding.DecodeString(s)
	return b
}

// waitCRD waits until the CRD is established; false if stop closes first.
func waitCRD(ctx context.Context, t *testing.T, dyn dynamic.Interface, name string, stop <-chan struct{}) bool {
	t.Helper()
	for {
		crd, err := dyn.Resource(gvrCRD).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					return true
				}
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s not established: %v", name, errors.Join(err, ctx.Err()))
		case <-stop:
			return false
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func issuerEmail(ctx context.Context, t *testing.T, dyn dynamic.Interface) string {
	t.Helper()
	iss, err := dyn.Resource(gvrClusterIssuer).Get(ctx, "acme", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	e, _, _ := unstructured.NestedString(iss.Object, "spec", "acme", "email")
	return e
}

// ingressPort is the backend service port of the Ingress's first path.
func ingressPort(ing *unstructured.Unstructured) int64 {
	rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
	if len(rules) == 0 {
		return 0
	}
	paths, _, _ := unstructured.NestedSlice(rules[0].(map[string]any), "http", "paths")
	if len(paths) == 0 {
		return 0
	}
	n, _, _ := unstructured.NestedInt64(paths[0].(map[string]any), "backend", "service", "port", "number")
	return n
}

func requireEvent(t *testing.T, evs []event.Event, typ string, st event.Status) event.Event {
	t.Helper()
	for _, e := range evs {
		if e.Type == typ && e.Status == st {
			return e
		}
	}
	t.Errorf("no %s event with status %s", typ, st)
	return event.Event{}
}

func logEvents(t *testing.T, name string, evs []event.Event) {
	t.Helper()
	for _, e := range evs {
		if e.Type != event.TypeStepStarted {
			t.Logf("%s: %s %d %s %s %s: %.300s", name, e.Time.Format("15:04:05.000"), e.Seq, e.Step, e.Type, e.Status, e.Message)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
