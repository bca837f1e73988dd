package phase

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
)

// TestHTTP01OutcomeMaskedInReport: what a host answers the challenge
// with (a body quoting a secret, a redirect URL with a password) is
// masked by the run's redactor not only in the event but in what the
// report and the stored results keep: Result.HTTP01 and the finding.
func TestHTTP01OutcomeMaskedInReport(t *testing.T) {
	const learned, urlPass = "hunter2-passphrase", "s3cretpw-url"
	for name, h := range map[string]http.HandlerFunc{
		"wrong body": func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "error: "+learned) },
		"redirect":   redirect("http://admin:" + urlPass + "@" + testDomain + ":8081/x"),
	} {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(h)
			defer srv.Close()
			ph := &HTTP01{Timeout: time.Second, HTTPPort: portOf(t, srv.Listener.Addr().String()),
				Addrs: func(string) []netip.Addr { return []netip.Addr{loop4} }}
			var got []event.Event
			tg := &Target{Name: "h1", Log: slog.New(slog.DiscardHandler), Result: &Result{},
				Rec: NewRecorder(func(_ context.Context, evs ...event.Event) error { got = append(got, evs...); return nil },
					redact.Default().WithLiterals(learned), nil),
				Plan: &plan.Plan{RunID: "r", HTTP01: &plan.HTTP01Plan{Domain: testDomain, Token: testToken, Body: testBody, Window: plan.Duration(time.Minute)}}}
			data, _ := json.Marshal(plan.HTTP01Status{Mode: plan.HTTP01Serving, Token: testToken})
			out := ph.rehearse(context.Background(), tg, event.Event{Type: event.TypeHTTP01Serving, Data: data})
			raw, _ := json.Marshal(out)
			if out.Passed || !strings.Contains(string(raw), learned) && !strings.Contains(string(raw), urlPass) {
				t.Fatalf("the rehearsal did not fail seeing the secret: %s", raw)
			}
			if err := ph.conclude(context.Background(), tg, out); err != nil {
				t.Fatal(err)
			}
			kept, _ := json.Marshal(tg.Result)
			all := string(kept)
			for _, e := range got {
				all += e.Message + string(e.Data)
			}
			for _, s := range []string{learned, urlPass} {
				if strings.Contains(all, s) {
					t.Errorf("%s leaks into the result or events: %s", s, all)
				}
			}
			if len(tg.Result.Findings) != 1 || tg.Result.HTTP01 == nil || tg.Result.HTTP01.Domain != testDomain {
				t.Errorf("result lost its verdict: %s", kept)
			}
		})
	}
}
