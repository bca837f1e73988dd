package bootstrap

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/redact"
)

func line(t *testing.T, run, host string, seq int64, typ, msg string) string {
	t.Helper()
	e := event.Event{Time: time.Now(), RunID: run, Host: host, Seq: seq, Type: typ, Status: event.StatusOK, Message: msg}
	if typ == event.TypeHello {
		e.Data = []byte(fmt.Sprintf(`{"protocol":%d}`, event.Protocol))
	}
	b, err := event.Marshal(e)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func newStream(got *[]event.Event) *stream {
	return &stream{runID: "r", host: "h", redact: redact.Default(), sink: func(e event.Event) error {
		*got = append(*got, e)
		return nil
	}}
}

func TestStreamSkipsGarbageForeignAndDuplicateLines(t *testing.T) {
	var got []event.Event
	s := newStream(&got)
	in := "Welcome to staging!\n" +
		line(t, "r", "h", 1, event.TypeHello, "") +
		line(t, "other", "h", 2, event.TypeBootstrapStarted, "") +
		line(t, "r", "h", 1, event.TypeHello, "") +
		line(t, "r", "h", 2, event.TypeBootstrapStarted, "starting") +
		line(t, "r", "h", 3, event.TypeBootstrapFinished, "")
	if err := s.consume(strings.NewReader(in)); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || s.last != 3 || s.final == nil {
		t.Fatalf("delivered %d events, last %d, final %v", len(got), s.last, s.final)
	}
	// Delivered as sent: the recorder the sink feeds masks it, once
	// (phase.TestRecorderMasksEveryRecord).
	if got[1].Type != event.TypeBootstrapStarted || got[1].Message != "starting" {
		t.Errorf("event 2 delivered as %s %q", got[1].Type, got[1].Message)
	}
	if len(s.invalid) != 2 || !strings.Contains(s.invalid[0].Error(), "agent output line 1") || !strings.Contains(s.invalid[1].Error(), "belongs to run other") {
		t.Errorf("invalid lines reported as %v", s.invalid)
	}
}

func TestStreamStopsAtAGap(t *testing.T) {
	var got []event.Event
	s := newStream(&got)
	in := line(t, "r", "h", 1, event.TypeHello, "") + line(t, "r", "h", 3, event.TypeBootstrapStarted, "")
	if err := s.consume(strings.NewReader(in)); !errors.Is(err, errGap) {
		t.Fatalf("err = %v, want a gap", err)
	}
	if s.last != 1 || !resumable(errGap) {
		t.Fatalf("last %d", s.last)
	}
}

func TestCommandQuotesAndGuards(t *testing.T) {
	agents := map[string]Binary{"amd64": {SHA256: strings.Repeat("a", 64)}, "arm64": {SHA256: strings.Repeat("b", 64)}}
	cmd := Command("/var/lib/ck8s", agents, "journal", "--run", "it's")
	for _, want := range []string{`x86_64|amd64) h="` + strings.Repeat("a", 64) + `"`, `aarch64|arm64|armv8l) h="` + strings.Repeat("b", 64) + `"`, "exit 97", `'it'\''s'`, `sha256sum <"$p"`} {
		if !strings.Contains(cmd, want) {
			t.Errorf("command lacks %q:\n%s", want, cmd)
		}
	}
}

func TestArch(t *testing.T) {
	for in, want := range map[string]string{"x86_64\n": "amd64", "aarch64": "arm64"} {
		if got, err := Arch(in); err != nil || got != want {
			t.Errorf("Arch(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := Arch("riscv64"); err == nil || !strings.Contains(err.Error(), "riscv64") {
		t.Errorf("Arch(riscv64) err = %v", err)
	}
}

func TestStreamRefusesAnotherProtocol(t *testing.T) {
	var got []event.Event
	s := newStream(&got)
	b, _ := event.Marshal(event.Event{Time: time.Now(), RunID: "r", Host: "h", Seq: 1, Type: event.TypeHello,
		Status: event.StatusInfo, Data: []byte(`{"protocol":99,"agentVersion":"old"}`)})
	err := s.consume(strings.NewReader(string(b)))
	if !errors.Is(err, ErrProtocol) || !strings.Contains(err.Error(), "protocol 99") {
		t.Fatalf("err = %v, want a protocol mismatch naming both versions", err)
	}
	if len(got) != 0 {
		t.Fatalf("events of a foreign agent were recorded: %v", got)
	}
}
