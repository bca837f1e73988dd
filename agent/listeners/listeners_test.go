package listeners

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/netip"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/agent/step/steptest"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/internal/plan"
)

type sink = steptest.Sink

// TestFixtureHost: LISTEN rows only, both families and byte orders decoded,
// owners found through fd links (lowest pid of a shared socket), a socket
// with no readable owner kept without one, SO_REUSEPORT twins listed once.
func TestFixtureHost(t *testing.T) {
	root, err := filepath.Abs("../testdata/host")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s := &sink{}
	env := step.NewEnv(&plan.Plan{Check: true}, root, "listeners", slog.New(slog.NewJSONHandler(&logs, nil)), s)
	if err := New().Run(context.Background(), env); err != nil {
		t.Fatalf("Run: %v\n%s", err, logs.String())
	}
	if len(s.Events) != 1 || s.Events[0].Type != event.TypeListenersCollected || s.Events[0].Status != event.StatusOK {
		t.Fatalf("events = %+v", s.Events)
	}
	var got []facts.Listener
	if err := json.Unmarshal(s.Events[0].Data, &got); err != nil {
		t.Fatal(err)
	}
	a := netip.MustParseAddr
	want := []facts.Listener{
		{Proto: "tcp", Addr: a("0.0.0.0"), Port: 22, PID: 1, Process: "sshd"},
		{Proto: "tcp6", Addr: a("::"), Port: 22, PID: 1, Process: "sshd"},
		{Proto: "tcp6", Addr: a("2001:db8::2"), Port: 443, PID: 42, Process: "python3"},
		{Proto: "tcp6", Addr: a("::1"), Port: 631},
		{Proto: "tcp", Addr: a("198.18.0.2"), Port: 5432},
		{Proto: "tcp", Addr: a("127.0.0.1"), Port: 7777, PID: 42, Process: "python3"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("listeners:\n got %+v\nwant %+v", got, want)
	}
	if msg := s.Events[0].Message; msg != "6 listening socket(s): 22/sshd, 443/python3, 631, 5432, 7777/python3" {
		t.Errorf("message %q", msg)
	}
	if !New().CheckSafe() {
		t.Error("listeners must run in --check")
	}
}

func TestParseAddr(t *testing.T) {
	for _, tc := range []struct {
		in   string
		addr string
		port uint16
	}{
		{"0100007F:0016", "127.0.0.1", 22},
		{"020012C6:FFFF", "198.18.0.2", 65535},
		{"00000000000000000000000001000000:0277", "::1", 631},
		{"B80D0120000000000000000002000000:01BB", "2001:db8::2", 443},
		{"0000000000000000FFFF00000100007F:1F90", "::ffff:127.0.0.1", 8080},
	} {
		addr, port, err := parseAddr(tc.in)
		if err != nil || addr.String() != tc.addr || port != tc.port {
			t.Errorf("parseAddr(%q) = %v %d %v, want %s %d", tc.in, addr, port, err, tc.addr, tc.port)
		}
	}
	for _, bad := range []string{"", "0100007F", "0100007:0016", "0100007G:0016", "0100007F:10000"} {
		if _, _, err := parseAddr(bad); err == nil {
			t.Errorf("parseAddr(%q): no error", bad)
		}
	}
}

// TestMissingTable: no /proc/net/tcp is an error naming the file; a missing
// tcp6 (IPv6 disabled) is not.
func TestMissingTable(t *testing.T) {
	if _, err := Collect(func(p string) string { return filepath.Join(t.TempDir(), p) }); err == nil {
		t.Error("no error without /proc/net/tcp")
	}
}
