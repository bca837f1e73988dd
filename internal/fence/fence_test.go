package fence

import (
	"errors"
	"net/netip"
	"testing"
)

func TestWithin(t *testing.T) {
	ps, err := Parse("127.0.0.0/8, ::1, 198.18.0.0/15,2001:db8::/32")
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"127.0.0.1", "::1", "198.19.255.1", "2001:db8:5::11", "::ffff:198.18.0.11"} {
		if err := Within(ps, netip.MustParseAddr(a)); err != nil {
			t.Errorf("%s refused: %v", a, err)
		}
	}
	for _, a := range []string{"8.8.8.8", "1.2.3.4", "10.0.0.1", "192.168.1.1", "2001:4860:4860::8888", "198.20.0.1"} { // allowed: parsed only, never contacted
		if err := Within(ps, netip.MustParseAddr(a)); !errors.Is(err, ErrOutside) {
			t.Errorf("%s allowed: %v", a, err)
		}
	}
	if err := Within(nil, netip.MustParseAddr("8.8.8.8")); err != nil {
		t.Errorf("no fence must allow all: %v", err)
	}
	if _, err := Parse("198.18.0.0/33"); err == nil {
		t.Error("bad prefix accepted")
	}
}
