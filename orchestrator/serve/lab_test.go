package serve_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/ck8s/ck8sctl/deploy/observability"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// TestServeLab is the daemon on real lab hosts: an API-started harden, a
// drift by hand, then a signed webhook's sweep, followed live over SSE
// until its end; the API's report and hosts show the drifted host
// non-compliant and the other compliant; /metrics serves every metric the
// dashboard and the alert rules use, with the verdicts; /readyz is 200.
func TestServeLab(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	l := labtest.NewWith(t, 2, labtest.WithDNS)
	// A schedule that will not fire during the test: its series exist.
	srv, _ := newServer(t, writeConfig(t, labPlaybook(l), "schedules:\n  - {name: nightly, playbook: staging, action: sweep, cron: '0 3 * * *'}\n"), io.Discard)
	base := running(t, srv)
	c := &client{t: t, base: base}

	if code := c.get("/v1/runs", nil); code != http.StatusOK {
		t.Fatalf("GET /v1/runs with a token: %d", code)
	}
	c.token = "wrong"
	if code := c.get("/v1/runs", nil); code != http.StatusUnauthorized {
		t.Fatalf("GET /v1/runs with a wrong token: %d, want 401", code)
	}
	c.token = apiToken

	harden := c.start(`{"action":"harden","playbook":"staging"}`)
	if rep := c.wait(harden); rep.Status != report.RunOK {
		t.Fatalf("harden by the API: %s\n%s", rep.Status, mustJSON(rep))
	}
	drifted := l.Hosts[1]
	onHost(t, l, drifted, "nft insert rule inet ck8s prerouting tcp dport 8080 accept && nft insert rule inet ck8s input tcp dport 8080 accept")

	resp, err := http.DefaultClient.Do(signed(t, base+"/v1/hooks/deploy", "lab-1", `{"ref":"refs/heads/main"}`, hookSecret, time.Now()))
	if err != nil || resp.StatusCode != http.StatusAccepted {
		t.Fatalf("webhook: %v %v", err, resp)
	}
	var accepted struct{ RunID string }
	_ = json.NewDecoder(resp.Body).Decode(&accepted)
	resp.Body.Close()
	if loc := resp.Header.Get("Location"); loc != "/v1/runs/"+accepted.RunID {
		t.Errorf("Location %q for run %q", loc, accepted.RunID)
	}
	ids, types := c.stream(accepted.RunID)
	if len(ids) == 0 || !slices.IsSorted(ids) || !slices.Contains(types, "sweep.non_compliant") || types[0] != "webhook.delivery" {
		t.Errorf("SSE: %d events (ids sorted %t), types %v", len(ids), slices.IsSorted(ids), types)
	}
	rep := c.wait(accepted.RunID)
	verdicts := map[string]report.Verdict{}
	for _, h := range rep.Hosts {
		verdicts[h.Host] = h.Verdict
	}
	if verdicts[l.Hosts[0].Name] != report.Compliant || verdicts[drifted.Name] != report.NonCompliant {
		t.Errorf("sweep verdicts %v, want %s compliant and %s non-compliant", verdicts, l.Hosts[0].Name, drifted.Name)
	}
	var hosts struct {
		Hosts []struct{ Host, Verdict, RunID string }
	}
	c.get("/v1/hosts", &hosts)
	for _, h := range hosts.Hosts {
		if h.RunID != accepted.RunID || h.Verdict != string(verdicts[h.Host]) {
			t.Errorf("GET /v1/hosts: %+v", h)
		}
	}
	c.checkMetrics(drifted.Name)
	checkStatusPage(t, base, verdicts, drifted.Name)
	if code := c.get("/readyz", nil); code != http.StatusOK {
		t.Errorf("/readyz: %d", code)
	}
}

func labPlaybook(l *lab.Lab) string {
	var b strings.Builder
	fmt.Fprintf(&b, "domain: staging.lab.test\ndns:\n  nameservers: [%q]\nfirewall:\n  backend: nftables\n  confirmTimeout: 20s\n"+
		"checks:\n  ports:\n    range: 22,80,443,8080\nhosts:\n", l.Nameservers[0])
	for _, h := range l.Hosts {
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    port: %d\n    user: root\n    identityFile: %s\n    knownHostsFile: %s\n    expectIPs: [%s, %s]\n",
			h.Name, h.Addr4, h.Port, l.KeyFile, l.KnownHostsFile, h.Addr4, h.Addr6)
	}
	return b.String()
}

func onHost(t *testing.T, l *lab.Lab, h lab.Host, script string) {
	t.Helper()
	if out, err := l.Exec(t.Context(), h, "sh", "-c", script); err != nil {
		t.Fatalf("%s: %v\n%s", h.Name, err, out)
	}
}

func mustJSON(v any) string {
	b, _ := json.MarshalIndent(v, "", "  ")
	return string(b)
}

// client talks to the daemon's API with a bearer token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c *client) do(method, path, body string, hdr map[string]string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	tok := c.token
	if tok == "" {
		tok = apiToken
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

func (c *client) get(path string, v any) int {
	c.t.Helper()
	resp := c.do(http.MethodGet, path, "", nil)
	defer resp.Body.Close()
	if v != nil {
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			c.t.Fatalf("GET %s: %v", path, err)
		}
	}
	return resp.StatusCode
}

func (c *client) start(body string) string {
	c.t.Helper()
	resp := c.do(http.MethodPost, "/v1/runs", body, map[string]string{"Content-Type": "application/json"})
	defer resp.Body.Close()
	var out struct{ RunID string }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode != http.StatusAccepted || out.RunID == "" {
		c.t.Fatalf("POST /v1/runs %s: %s", body, resp.Status)
	}
	return out.RunID
}

// wait polls a run until it has its report.
func (c *client) wait(id string) report.Run {
	c.t.Helper()
	deadline := time.Now().Add(8 * time.Minute)
	for time.Now().Before(deadline) {
		var raw json.RawMessage
		var kind struct{ APIVersion string }
		if c.get("/v1/runs/"+id, &raw) == http.StatusOK && json.Unmarshal(raw, &kind) == nil && kind.APIVersion != "" {
			var rep report.Run
			if err := json.Unmarshal(raw, &rep); err != nil {
				c.t.Fatal(err)
			}
			return rep
		}
		time.Sleep(500 * time.Millisecond)
	}
	c.t.Fatalf("run %s did not finish", id)
	return report.Run{}
}

// stream reads a run's SSE stream to its end: the event ids and types.
func (c *client) stream(id string) ([]int64, []string) {
	c.t.Helper()
	resp := c.do(http.MethodGet, "/v1/runs/"+id+"/events", "", map[string]string{"Accept": "text/event-stream"})
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		c.t.Fatalf("events of a running run: Content-Type %q", ct)
	}
	var ids []int64
	var types []string
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "event: end":
			return ids, types
		case strings.HasPrefix(line, "id: "):
			var n int64
			fmt.Sscan(strings.TrimPrefix(line, "id: "), &n)
			ids = append(ids, n)
		case strings.HasPrefix(line, "data: "):
			var e struct{ Type string }
			_ = json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e)
			types = append(types, e.Type)
		}
	}
	c.t.Fatalf("SSE stream of %s ended without an end event: %v", id, sc.Err())
	return nil, nil
}

// checkMetrics scrapes /metrics: every name the dashboard and the alert
// rules use is served, and the drifted host's verdict gauge is set.
func (c *client) checkMetrics(drifted string) {
	c.t.Helper()
	resp := c.do(http.MethodGet, "/metrics", "", nil)
	defer resp.Body.Close()
	text, _ := io.ReadAll(resp.Body)
	parser := expfmt.NewTextParser(model.LegacyValidation)
	mfs, err := parser.TextToMetricFamilies(strings.NewReader(string(text)))
	if err != nil {
		c.t.Fatalf("parsing /metrics: %v", err)
	}
	served := map[string]bool{}
	for name, mf := range mfs {
		served[name] = true
		if mf.GetType().String() == "HISTOGRAM" {
			served[name+"_bucket"], served[name+"_sum"], served[name+"_count"] = true, true, true
		}
	}
	exprs, err := observability.Exprs()
	if err != nil {
		c.t.Fatal(err)
	}
	for _, e := range exprs {
		for _, n := range observability.MetricNames(e.Query) {
			// The lab serves no certificate: no host has an expiry.
			if !served[n] && n != "ck8s_host_tls_certificate_expiry_timestamp_seconds" {
				c.t.Errorf("%s uses %s, which the live /metrics does not serve", e.Where, n)
			}
		}
	}
	want := fmt.Sprintf(`ck8s_host_verdict{host=%q,verdict="non-compliant"} 1`, drifted)
	if !strings.Contains(string(text), want) {
		c.t.Errorf("/metrics lacks %s", want)
	}
	if os.Getenv("CK8S_DEBUG_METRICS") != "" {
		c.t.Log(string(text))
	}
}
