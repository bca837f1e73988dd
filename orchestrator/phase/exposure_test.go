package phase

import (
	"net/netip"
	"reflect"
	"testing"

	"github.com/ck8s/ck8sctl/internal/facts"
	"github.com/ck8s/ck8sctl/orchestrator/scan"
)

func TestExposureOf(t *testing.T) {
	a := netip.MustParseAddr
	v4, v6 := "198.18.0.2", "2001:db8::2"
	find := func(target string, open ...uint16) scan.Finding { return scan.Finding{Target: target, Open: open} }
	sshd4 := facts.Listener{Proto: "tcp", Addr: a("0.0.0.0"), Port: 22, PID: 7, Process: "sshd"}
	sshd6 := facts.Listener{Proto: "tcp6", Addr: a("::"), Port: 22, PID: 7, Process: "sshd"}
	for _, tc := range []struct {
		name      string
		listeners []facts.Listener
		findings  []scan.Finding
		expect    []uint16
		want      []Exposure
	}{
		{
			name:      "wildcard listeners open on both families, allowed",
			listeners: []facts.Listener{sshd4, sshd6},
			findings:  []scan.Finding{find(v4, 22), find(v6, 22)},
			expect:    []uint16{22},
			want: []Exposure{
				{Port: 22, State: Exposed, Verdict: Allowed, Proto: "tcp", Addr: "0.0.0.0", PID: 7, Process: "sshd", OpenOn: []string{v4}},
				{Port: 22, State: Exposed, Verdict: Allowed, Proto: "tcp6", Addr: "::", PID: 7, Process: "sshd", OpenOn: []string{v4, v6}},
			},
		},
		{
			name:      "unexpected open port is a violation",
			listeners: []facts.Listener{{Proto: "tcp", Addr: a(v4), Port: 5432, PID: 9, Process: "postgres"}},
			findings:  []scan.Finding{find(v4, 5432), find(v6)},
			expect:    []uint16{22},
			want:      []Exposure{{Port: 5432, State: Exposed, Verdict: Violation, Proto: "tcp", Addr: v4, PID: 9, Process: "postgres", OpenOn: []string{v4}}},
		},
		{
			name:      "listening but firewalled is shielded, whatever the expectation",
			listeners: []facts.Listener{{Proto: "tcp", Addr: a("0.0.0.0"), Port: 9100}, {Proto: "tcp6", Addr: a("::"), Port: 80}},
			findings:  []scan.Finding{find(v4), find(v6)},
			expect:    []uint16{80},
			want: []Exposure{
				{Port: 80, State: Shielded, Proto: "tcp6", Addr: "::"},
				{Port: 9100, State: Shielded, Proto: "tcp", Addr: "0.0.0.0"},
			},
		},
		{
			name:      "bound to another address than the scanned ones is shielded",
			listeners: []facts.Listener{{Proto: "tcp", Addr: a("198.18.0.9"), Port: 8080}},
			findings:  []scan.Finding{find(v4)},
			want:      []Exposure{{Port: 8080, State: Shielded, Proto: "tcp", Addr: "198.18.0.9"}},
		},
		{
			name: "loopback listeners are local, even if the port is open outside",
			listeners: []facts.Listener{
				{Proto: "tcp", Addr: a("127.0.0.1"), Port: 10250, PID: 3, Process: "kubelet"},
				{Proto: "tcp6", Addr: a("::1"), Port: 631},
				{Proto: "tcp6", Addr: a("::ffff:127.0.0.1"), Port: 7000},
			},
			findings: []scan.Finding{find(v4, 10250)},
			want: []Exposure{
				{Port: 631, State: Local, Proto: "tcp6", Addr: "::1"},
				{Port: 7000, State: Local, Proto: "tcp6", Addr: "::ffff:127.0.0.1"},
				{Port: 10250, State: Local, Proto: "tcp", Addr: "127.0.0.1", PID: 3, Process: "kubelet"},
				{Port: 10250, State: NoListener, Verdict: Violation, Addr: v4, OpenOn: []string{v4}, Note: "no listener (DNAT/NodePort/container?)"},
			},
		},
		{
			name:      "open without listener: IPv4 wildcard does not cover IPv6",
			listeners: []facts.Listener{{Proto: "tcp", Addr: a("0.0.0.0"), Port: 443}},
			findings:  []scan.Finding{find(v4, 443, 30080), find(v6, 443)},
			expect:    []uint16{443},
			want: []Exposure{
				{Port: 443, State: Exposed, Verdict: Allowed, Proto: "tcp", Addr: "0.0.0.0", OpenOn: []string{v4}},
				{Port: 443, State: NoListener, Verdict: Allowed, Addr: v6, OpenOn: []string{v6}, Note: "no listener (DNAT/NodePort/container?)"},
				{Port: 30080, State: NoListener, Verdict: Violation, Addr: v4, OpenOn: []string{v4}, Note: "no listener (DNAT/NodePort/container?)"},
			},
		},
		{name: "nothing at all", findings: []scan.Finding{find(v4)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ExposureOf(tc.listeners, tc.findings, tc.expect)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestExposureSummary(t *testing.T) {
	ex := []Exposure{
		{Port: 22, State: Exposed, Verdict: Allowed, Process: "sshd"},
		{Port: 22, State: Exposed, Verdict: Allowed, Process: "sshd"},
		{Port: 5432, State: Exposed, Verdict: Violation, Process: "postgres"},
		{Port: 7777, State: Local},
		{Port: 9100, State: Shielded},
	}
	msg, violation := exposureSummary(ex)
	if msg != "exposed 22/sshd, 5432/postgres (violation); shielded 9100; local 7777" || !violation {
		t.Errorf("summary = %q, %v", msg, violation)
	}
	if msg, violation := exposureSummary(nil); msg != "no listeners and nothing open" || violation {
		t.Errorf("empty summary = %q, %v", msg, violation)
	}
}
