package playbook

import (
	"strconv"
	"strings"
	"testing"
)

func TestJumps(t *testing.T) {
	p := mustParse(t, `domain: example.com
defaults: {user: ops, port: 2222}
hosts:
  - {name: edge, address: 203.0.113.1}
  - {name: mid, address: 10.0.0.1, jump: edge}
  - {name: deep, address: 10.0.1.1, jump: mid}
  - {name: out, address: 10.0.2.1, jump: "jump@bastion.example.net:22"}
  - {name: out6, address: 10.0.2.2, jump: "[2001:db8::1]:2200"}
  - {name: bare6, address: 10.0.2.3, jump: "2001:db8::2"}
`)
	chain := func(name string) string {
		h, _ := p.HostByName(name)
		var hops []string
		for _, j := range p.Jumps(h) {
			hops = append(hops, j.User+"@"+j.Address+":"+strconv.Itoa(j.Port))
		}
		return strings.Join(hops, " > ")
	}
	for name, want := range map[string]string{
		"edge":  "",
		"mid":   "ops@203.0.113.1:2222",
		"deep":  "ops@203.0.113.1:2222 > ops@10.0.0.1:2222",
		"out":   "jump@bastion.example.net:22",
		"out6":  "ops@2001:db8::1:2200",
		"bare6": "ops@2001:db8::2:2222",
	} {
		if got := chain(name); got != want {
			t.Errorf("Jumps(%s) = %q, want %q", name, got, want)
		}
	}
}

func TestJumpLoops(t *testing.T) {
	src := `domain: example.com
hosts:
  - {name: a, address: 203.0.113.1, jump: c}
  - {name: b, address: 203.0.113.2, jump: a}
  - {name: c, address: 203.0.113.3, jump: b}
  - {name: d, address: 203.0.113.4, jump: a}
  - {name: e, address: 203.0.113.5, jump: f}
  - {name: f, address: 203.0.113.6, jump: e}
`
	_, err := Parse("t.yaml", []byte(src))
	errs := unjoin(err)
	want := []string{
		"t.yaml:3: hosts[0].jump: jump loop: a -> c -> b -> a",
		"t.yaml:7: hosts[4].jump: jump loop: e -> f -> e",
	}
	if len(errs) != len(want) {
		t.Fatalf("got %d errors, want %d (one per loop; d leads into one but is not in it):\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if e.Error() != want[i] {
			t.Errorf("error %d = %q, want %q", i, e.Error(), want[i])
		}
	}
}
