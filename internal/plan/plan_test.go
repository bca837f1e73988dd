package plan

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
)

func TestEncodeDecode(t *testing.T) {
	p := &Plan{Protocol: event.Protocol, RunID: "r", Host: "h", Steps: []string{"facts"}, LockWait: Duration(90 * time.Second)}
	b, err := p.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"lockWait":"1m30s"`) {
		t.Fatalf("duration not human readable: %s", b)
	}
	got, err := Decode(strings.NewReader(string(b)))
	if err != nil {
		t.Fatal(err)
	}
	if got.LockWait != p.LockWait || got.Dir() != DefaultStateDir {
		t.Fatalf("round trip: %+v", got)
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := map[string]string{
		`{"protocol":99,"runId":"r","host":"h","steps":["facts"]}`:              "protocol version mismatch",
		`{"protocol":1,"host":"h","steps":["facts"]}`:                           `"runId": missing`,
		`{"protocol":1,"runId":"r","host":"h","steps":[]}`:                      `"steps": empty`,
		`{"protocol":1,"runId":"r","host":"h","steps":["f"],"bogus":1}`:         `unknown field "bogus"`,
		`{"protocol":1,"runId":"r","host":"h","steps":["f"],"lockWait":"soon"}`: "invalid duration",
	}
	for in, want := range cases {
		_, err := Decode(strings.NewReader(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Decode(%s) = %v, want %q", in, err, want)
		}
	}
	_, err := Decode(strings.NewReader(`{"protocol":2,"runId":"r","host":"h","steps":["f"]}`))
	if !errors.Is(err, ErrProtocol) {
		t.Errorf("protocol mismatch is not ErrProtocol: %v", err)
	}
}
