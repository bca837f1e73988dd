package redact

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

// benchText is a typical event message or log line: mostly ordinary text,
// a few secrets, a few kilobytes (a manifests diff, a step's stderr).
var benchText = strings.Repeat("step firewall applied 12 rules on lab-1 (198.18.0.11:22), sha256 "+
	"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08; ", 20) +
	`password: "correct horse battery staple" token=abcdef123456 ` +
	strings.Repeat("kernel 6.1.0-18-amd64 facts collected, tokens used 42; ", 20)

var benchData = json.RawMessage(`{"host":"lab-1","rules":12,"diff":"` + strings.Repeat("-A INPUT -p tcp --dport 22 -j ACCEPT\\n", 40) +
	`","env":[{"name":"DB_PASSWORD","value":"hunter2hunter2"},{"name":"LOG_LEVEL","value":"info"}],"client_secret":"s3cr3t-value"}`)

func benchRedactor() *Redactor {
	return Default().WithLiterals("kube-token-0123456789abcdef\n", "another-learned-secret")
}

func BenchmarkRedactString(b *testing.B) {
	r := benchRedactor()
	b.SetBytes(int64(len(benchText)))
	for b.Loop() {
		_ = r.String(benchText)
	}
}

func BenchmarkRedactEvent(b *testing.B) {
	r := benchRedactor()
	e := event.Event{Time: time.Now(), RunID: "r", Host: "lab-1", Seq: 1, Type: "firewall.applied", Message: benchText[:400], Data: benchData}
	b.SetBytes(int64(len(e.Message) + len(e.Data)))
	for b.Loop() {
		_ = r.Event(e)
	}
}

// shortAttrs are a log line's attribute values: short, ordinary, holding
// no secret (a webhook's hook, delivery, outcome, remote address, run).
var shortAttrs = []string{"webhook", "deploy", "3f1c9e2a-5b7d-4e8f-9a01-b2c3d4e5f607", "accepted", "127.0.0.1:43512", "20261203T101530-8f2a1c"}

func BenchmarkRedactShort(b *testing.B) {
	r := benchRedactor()
	for b.Loop() {
		for _, s := range shortAttrs {
			_ = r.String(s)
		}
	}
}
