package serve_test

import (
	"context"
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/ck8s/ck8sctl/internal/browsertest"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// checkStatusPage opens the daemon's status page in a real browser after
// a real sweep: the token given once logs in (a cookie), each host row
// shows the verdict the API reported, and the non-compliant host shows
// its finding. A screenshot is kept as a test artifact.
func checkStatusPage(t *testing.T, base string, verdicts map[string]report.Verdict, drifted string) {
	b := browsertest.New(t)
	ctx, cancel := context.WithTimeout(b.Context(), 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/?token="+url.QueryEscape(apiToken))); err != nil {
		t.Fatal(err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(
		[...document.querySelectorAll("tr[data-host]")].map(r => [r.dataset.host, r.dataset.verdict]))`))
	if err != nil {
		t.Fatal(err)
	}
	for h, v := range verdicts {
		if got[h] != string(v) {
			t.Errorf("status page: %s shows %q, the API says %q (page: %v)", h, got[h], v, got)
		}
	}
	finding := chromedp.CSS(fmt.Sprintf(`tr[data-host=%q] [data-finding="firewall.drift"]`, drifted))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(finding)); err != nil {
		t.Errorf("status page: %s's firewall.drift finding is not shown: %v", drifted, err)
	}
	b.Screenshot("status-page")
}
