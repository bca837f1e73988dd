package lab_test

import (
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"

	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// TestLabDNS: a lab with its own DNS server answers the domain with every
// host's addresses, from the root namespace and through each host's
// resolver; Up keeps the server while the zone is unchanged, restarts it
// for another host count, and Down stops it.
func TestLabDNS(t *testing.T) {
	testenv.RequireCommand(t, "getent")
	l := labtest.NewWith(t, 2, labtest.WithDNS)
	ctx := context.Background()
	if want := []string{net.JoinHostPort(l.Gateway4.String(), "53"), net.JoinHostPort(l.Gateway6.String(), "53")}; !slices.Equal(l.Nameservers, want) {
		t.Fatalf("Nameservers = %v, want %v", l.Nameservers, want)
	}

	t.Run("RootNamespace", func(t *testing.T) {
		for _, ns := range l.Nameservers {
			for _, network := range []string{"udp", "tcp"} {
				checkZone(t, ns, network, l.Hosts)
			}
		}
	})
	t.Run("HostResolver", func(t *testing.T) {
		for _, h := range l.Hosts {
			out, err := l.Exec(ctx, h, "getent", "ahosts", lab.Domain)
			if err != nil {
				t.Fatalf("getent on %s: %v: %s", h.Name, err, out)
			}
			for _, o := range l.Hosts {
				for _, a := range []netip.Addr{o.Addr4, o.Addr6} {
					if !strings.Contains(string(out), a.String()+" ") {
						t.Errorf("getent ahosts %s on %s: %s missing from\n%s", lab.Domain, h.Name, a, out)
					}
				}
			}
		}
	})
	t.Run("Playbook", func(t *testing.T) {
		// The real parser, so the lab playbook is one bootstrap accepts.
		pb, err := playbook.Load(l.PlaybookFile)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(pb.DNS.Nameservers, l.Nameservers[:1]) {
			t.Errorf("playbook dns.nameservers = %v, want %v", pb.DNS.Nameservers, l.Nameservers[:1])
		}
	})
	pid := dnsPid(t, l)
	t.Run("UpIdempotent", func(t *testing.T) {
		if _, err := lab.Up(ctx, labtest.Options(t, l)); err != nil {
			t.Fatal(err)
		}
		if p := dnsPid(t, l); p != pid {
			t.Errorf("DNS server pid %d, was %d: restarted though the zone is the same", p, pid)
		}
	})
	t.Run("RestartsForNewHosts", func(t *testing.T) {
		o := labtest.Options(t, l)
		o.Hosts = 3
		l3, err := lab.Up(ctx, o)
		if err != nil {
			t.Fatal(err)
		}
		if p := dnsPid(t, l); p == pid {
			t.Errorf("DNS server pid %d unchanged after the zone changed", p)
		}
		checkZone(t, l3.Nameservers[0], "udp", l3.Hosts)
		pid = dnsPid(t, l)
	})
	t.Run("Down", func(t *testing.T) {
		if err := lab.Down(ctx, l.Dir); err != nil {
			t.Fatal(err)
		}
		if running(pid) {
			t.Errorf("DNS server (pid %d) still running after Down", pid)
		}
		checkGone(t, l)
	})
}

// checkZone asks ns over network net for the domain's A, AAAA and CAA
// records and wants the authoritative answer: every host's addresses.
func checkZone(t *testing.T, ns, network string, hosts []lab.Host) {
	t.Helper()
	c := &dns.Client{Net: network, Timeout: 2 * time.Second}
	var want4, want6 []string
	for _, h := range hosts {
		want4, want6 = append(want4, h.Addr4.String()), append(want6, h.Addr6.String())
	}
	for qtype, want := range map[uint16][]string{dns.TypeA: want4, dns.TypeAAAA: want6, dns.TypeCAA: {`0 issue "letsencrypt.org"`}} {
		m := new(dns.Msg)
		m.SetQuestion(lab.Domain+".", qtype)
		r, _, err := c.Exchange(m, ns)
		if err != nil {
			t.Errorf("%s %s over %s: %v", dns.TypeToString[qtype], ns, network, err)
			continue
		}
		var got []string
		for _, rr := range r.Answer {
			switch rr := rr.(type) {
			case *dns.A:
				got = append(got, rr.A.String())
			case *dns.AAAA:
				got = append(got, rr.AAAA.String())
			case *dns.CAA:
				got = append(got, strings.TrimPrefix(rr.String(), rr.Hdr.String()))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		if !r.Authoritative || !slices.Equal(got, want) {
			t.Errorf("%s %s over %s: AA %v, got %v, want %v", dns.TypeToString[qtype], ns, network, r.Authoritative, got, want)
		}
	}
}

func dnsPid(t *testing.T, l *lab.Lab) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.Dir, "dns.pid"))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b)) // PID START
	if len(f) != 2 {
		t.Fatalf("dns.pid %q: want PID and start time", b)
	}
	pid, err := strconv.Atoi(f[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// TestLabDNSStale: the DNS server of a lab whose dir lost its lab.json is
// stopped when another lab claims the index (it holds the gateways' port
// 53), and a server whose zone file is gone stops by itself.
func TestLabDNSStale(t *testing.T) {
	l := labtest.NewWith(t, 1, labtest.WithDNS)
	ctx := context.Background()
	o := labtest.Options(t, l)
	pid := dnsPid(t, l)
	if err := os.Remove(filepath.Join(l.Dir, "lab.json")); err != nil {
		t.Fatal(err)
	}
	o.Dir = t.TempDir()
	t.Cleanup(func() {
		if err := lab.Down(ctx, o.Dir); err != nil {
			t.Errorf("lab down: %v", err)
		}
	})
	l2, err := lab.Up(ctx, o)
	if err != nil {
		t.Fatalf("Up on the stale lab's index: %v", err)
	}
	if running(pid) {
		t.Errorf("stale DNS server (pid %d) still running", pid)
	}
	checkZone(t, l2.Nameservers[0], "udp", l2.Hosts)

	pid = dnsPid(t, l2)
	if err := os.Remove(filepath.Join(l2.Dir, "dns.json")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the DNS server to stop without its zone file", func() bool { return !running(pid) })
}

// TestLabDNSAdded: Up with DNS on a lab that had none (one made before the
// lab served its zone) gives the running hosts the new resolv.conf: their
// sshd is restarted, since the one running keeps the /etc it started with.
func TestLabDNSAdded(t *testing.T) {
	testenv.RequireCommand(t, "getent")
	l := labtest.New(t, 1)
	o := labtest.Options(t, l)
	labtest.WithDNS(&o)
	l2, err := lab.Up(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	h := l2.Hosts[0]
	out, err := l2.Exec(context.Background(), h, "getent", "ahosts", lab.Domain)
	if err != nil || !strings.Contains(string(out), h.Addr6.String()+" ") {
		t.Errorf("getent ahosts %s on %s after DNS was added: %v\n%s", lab.Domain, h.Name, err, out)
	}
}
