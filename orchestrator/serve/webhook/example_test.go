package webhook_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/serve/webhook"
)

// A CI job signs a generic request like this. The shell equivalent:
//
//	body='{"ref":"refs/heads/main","commit":"4b825dc642cb6eb9a060e54bf8d69288fbee4904","repository":"acme/infra","sender":"ci-bot"}'
//	ts=$(date +%s)
//	sig=$(printf '%s.%s' "$ts" "$body" | openssl dgst -sha256 -hmac "$CK8S_WEBHOOK_SECRET" -r | cut -d' ' -f1)
//	curl -fsS -X POST "https://ck8s.example.com/v1/hooks/deploy" \
//	  -H 'Content-Type: application/json' \
//	  -H "X-Ck8s-Timestamp: $ts" \
//	  -H "X-Ck8s-Signature: sha256=$sig" \
//	  -H "X-Ck8s-Delivery: $CI_PIPELINE_ID" \
//	  -H 'X-Ck8s-Event: push' \
//	  --data-binary "$body"
//
// Sign exactly the bytes sent (--data-binary, not -d, which strips
// newlines). X-Ck8s-Delivery is optional: with it, a retried job is a
// duplicate; without it, only a byte-identical replay is.
func ExampleSignGeneric() {
	secret := []byte("It's a Secret to Everybody") // from the CI system's secret store
	body := []byte(`{"ref":"refs/heads/main","commit":"4b825dc642cb6eb9a060e54bf8d69288fbee4904","repository":"acme/infra","sender":"ci-bot"}`)
	ts := "1700000000" // strconv.FormatInt(time.Now().Unix(), 10) in a real job
	srv := startServe()
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/hooks/deploy", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(webhook.HeaderTimestamp, ts)
	req.Header.Set(webhook.HeaderSignature, webhook.SignGeneric(secret, body, ts))
	req.Header.Set(webhook.HeaderDelivery, "pipeline-4711")
	req.Header.Set(webhook.HeaderEvent, "push")
	fmt.Println(webhook.HeaderSignature+":", req.Header.Get(webhook.HeaderSignature))

	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(resp.Body)
	fmt.Print(resp.Status, " ", resp.Header.Get("Location"), " ", string(answer))
	// Output:
	// X-Ck8s-Signature: sha256=c97c7f9812ff2e3fc24974005be35f6682899d0540d9e098e83f2fdf7c9b467e
	// 202 Accepted /v1/runs/r-1 {"runId":"r-1","status":"accepted"}
}

// startServe is a ck8sctl serve stand-in: the real handler, a clock 2s
// after the CI job signed, and a queue that only counts.
func startServe() *httptest.Server {
	h, err := webhook.NewHandler([]webhook.Hook{{Name: "deploy", Scheme: webhook.Generic, Secret: []byte("It's a Secret to Everybody")}},
		&countingQueue{}, nil, nil, func() time.Time { return time.Unix(1700000002, 0) })
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle(webhook.PathPrefix, h)
	return httptest.NewServer(mux)
}

type countingQueue struct{ n int }

func (q *countingQueue) Enqueue(context.Context, webhook.Delivery) (string, bool, error) {
	q.n++
	return fmt.Sprintf("r-%d", q.n), false, nil
}
