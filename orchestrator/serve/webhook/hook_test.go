package webhook

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// However a Hook is printed, logged or marshalled, the secret stays out.
func TestHookNeverShowsSecret(t *testing.T) {
	h := Hook{Name: "gh", Scheme: GitHub, Secret: []byte("hunter2-secret")}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("configured", "hook", h)
	slog.New(slog.NewTextHandler(&logs, nil)).Info("configured", "hook", h)
	js, err := json.Marshal(h)
	if err != nil {
		t.Fatal(err)
	}
	out := fmt.Sprintf("%v %+v %#v %s %q %x", h, h, h, h, h, h) + logs.String() + string(js)
	if strings.Contains(out, "hunter2") || strings.Contains(out, fmt.Sprintf("%x", h.Secret)) {
		t.Fatalf("secret shown: %s", out)
	}
	if !strings.Contains(out, `webhook "gh" (github)`) || !strings.Contains(logs.String(), `"name":"gh"`) {
		t.Fatalf("hook not named: %s", out)
	}
}
