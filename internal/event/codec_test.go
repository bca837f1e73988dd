package event

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"
)

func sample(seq int64) Event {
	return Event{
		Time: time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC), RunID: "r1", Host: "lab-1", Seq: seq,
		Type: TypeFactsCollected, Step: "facts", Status: StatusOK, Message: "ok",
		Data: json.RawMessage(`{"kernel":"6.1"}`),
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	enc := NewEncoder(&buf)
	for i := int64(1); i <= 3; i++ {
		if err := enc.Encode(sample(i)); err != nil {
			t.Fatal(err)
		}
	}
	dec := NewDecoder(&buf)
	for i := int64(1); i <= 3; i++ {
		e, err := dec.Next()
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		want := sample(i)
		if e.Seq != i || e.Type != want.Type || !e.Time.Equal(want.Time) || string(e.Data) != string(want.Data) {
			t.Fatalf("event %d = %+v, want %+v", i, e, want)
		}
	}
	if _, err := dec.Next(); !errors.Is(err, io.EOF) {
		t.Fatalf("after last event: err = %v, want EOF", err)
	}
}

func TestDecoderReportsLineAndFieldAndKeepsGoing(t *testing.T) {
	good, _ := Marshal(sample(1))
	bad := strings.Replace(string(good), TypeFactsCollected, "Facts", 1)
	in := "garbage from a motd\n" + "\n" + bad + `{"ts":"2026-11-28T12:00:00Z","runId":"r","host":"h","seq":"x"}` + "\n" + string(good)
	dec := NewDecoder(strings.NewReader(in))
	wants := []string{
		"agent output line 1: invalid character",
		`agent output line 3: field "type": unknown value "Facts"`,
		`agent output line 4: field "seq"`,
	}
	for _, w := range wants {
		_, err := dec.Next()
		var le *LineError
		if !errors.As(err, &le) || !strings.HasPrefix(err.Error(), w) {
			t.Fatalf("err = %v, want prefix %q", err, w)
		}
	}
	if e, err := dec.Next(); err != nil || e.Seq != 1 {
		t.Fatalf("good line after garbage: %+v, %v", e, err)
	}
}

func TestValidateRejectsMissingFields(t *testing.T) {
	cases := map[string]func(*Event){
		"ts":     func(e *Event) { e.Time = time.Time{} },
		"runId":  func(e *Event) { e.RunID = "" },
		"host":   func(e *Event) { e.Host = "" },
		"seq":    func(e *Event) { e.Seq = 0 },
		"status": func(e *Event) { e.Status = "weird" },
		"data":   func(e *Event) { e.Data = json.RawMessage(`{`) },
	}
	for field, mutate := range cases {
		e := sample(1)
		mutate(&e)
		err := Validate(e)
		if err == nil || err.Field != field {
			t.Errorf("mutating %s: err = %v", field, err)
		}
	}
}

func TestOverlongLineIsReportedNotBuffered(t *testing.T) {
	good, _ := Marshal(sample(2))
	in := strings.Repeat("x", MaxLine+10) + "\n" + string(good)
	dec := NewDecoder(strings.NewReader(in))
	if _, err := dec.Next(); err == nil || !strings.Contains(err.Error(), "line 1: line longer") {
		t.Fatalf("err = %v", err)
	}
	if e, err := dec.Next(); err != nil || e.Seq != 2 {
		t.Fatalf("line after the long one: %+v %v", e, err)
	}
}

func TestLastLineWithoutNewline(t *testing.T) {
	good, _ := Marshal(sample(5))
	dec := NewDecoder(bytes.NewReader(bytes.TrimSuffix(good, []byte("\n"))))
	if e, err := dec.Next(); err != nil || e.Seq != 5 {
		t.Fatalf("%+v %v", e, err)
	}
}

func FuzzDecoder(f *testing.F) {
	good, _ := Marshal(sample(1))
	f.Add(good)
	f.Add([]byte("{}\n\x00\xff"))
	f.Fuzz(func(t *testing.T, b []byte) {
		dec := NewDecoder(bytes.NewReader(b))
		for i := 0; i < 1000; i++ {
			e, err := dec.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err == nil && Validate(e) != nil {
				t.Fatalf("decoder returned an invalid event: %+v", e)
			}
		}
	})
}
