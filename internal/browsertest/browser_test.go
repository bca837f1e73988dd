package browsertest

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// One browser for both checks: starting one takes seconds.
func TestBrowser(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><title>t</title><p id="greeting">hello from loopback</p>`))
	}))
	t.Cleanup(srv.Close)
	b := New(t)

	t.Run("loads a loopback page and saves a screenshot", func(t *testing.T) {
		if err := chromedp.Do(b.Context(), chromedp.Navigate(srv.URL)); err != nil {
			t.Fatal(err)
		}
		got, err := chromedp.Run(b.Context(), chromedp.Text(chromedp.CSS("#greeting")))
		if err != nil || got != "hello from loopback" {
			t.Fatalf("text of #greeting = %q, %v", got, err)
		}
		p := b.Screenshot("greeting")
		png, err := os.ReadFile(p)
		if err != nil || !strings.HasPrefix(string(png), "\x89PNG") {
			t.Fatalf("screenshot %s is not a PNG: %v", p, err)
		}
		if errs := b.ConsoleErrors(); len(errs) > 0 {
			t.Errorf("console errors: %q", errs)
		}
	})

	// Outside loopback every request goes to the dead proxy and fails
	// before anything leaves the machine. 198.18.0.0/15 (benchmarking,
	// inside the project's own fence) and a .test name stand for
	// "anywhere else": were the fence broken, nothing would reach a real
	// network either.
	t.Run("refuses everything but loopback", func(t *testing.T) {
		for _, url := range []string{"http://198.18.0.1:8080/", "http://fenced.test/"} {
			err := chromedp.Do(b.Context(), chromedp.Navigate(url))
			if !errors.Is(err, chromedp.ErrPageLoad) || !strings.Contains(err.Error(), "ERR_PROXY_CONNECTION_FAILED") {
				t.Errorf("navigating to %s: got %v, want the proxy to refuse it", url, err)
			}
		}
	})
}
