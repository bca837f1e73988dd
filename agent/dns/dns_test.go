package dns

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
)

type emitted struct {
	typ    string
	status event.Status
	msg    string
	data   Data
}

type sink struct{ got []emitted }

func (s *sink) Emit(_, typ string, status event.Status, msg string, data any) {
	e := emitted{typ: typ, status: status, msg: msg}
	if d, ok := data.(Data); ok {
		e.data = d
	}
	s.got = append(s.got, e)
}

// hostResolver starts a real DNS server on port 53 of a random loopback
// address (resolv.conf has no port) and writes a host root whose
// /etc/resolv.conf points at it.
func hostResolver(t *testing.T, records ...string) (*labdns.Server, string) {
	t.Helper()
	testenv.RequireRoot(t)
	z, err := labdns.NewZone("staging.lab.test.", records...)
	if err != nil {
		t.Fatal(err)
	}
	var s *labdns.Server
	for range 20 {
		addr := fmt.Sprintf("127.53.%d.%d", rand.IntN(256), 1+rand.IntN(254))
		if s, err = labdns.Serve(addr+":53", z); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	s.SetMode(labdns.Resolver)
	root := t.TempDir()
	ip := strings.TrimSuffix(s.Addr, ":53")
	if err := os.MkdirAll(filepath.Join(root, "etc"), 0o755); err != nil {
		t.Fatal(err)
	}
	conf := "nameserver " + ip + "\nsearch lab.test\noptions timeout:1 attempts:1\n"
	if err := os.WriteFile(filepath.Join(root, "etc", "resolv.conf"), []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	return s, root
}

func runStep(t *testing.T, root string, p *plan.DNSPlan) ([]emitted, error) {
	t.Helper()
	s := &sink{}
	env := step.NewEnv(&plan.Plan{DNS: p}, root, "dns", slog.New(slog.DiscardHandler), s)
	err := New().Run(context.Background(), env)
	return s.got, err
}

var expect = []netip.Addr{netip.MustParseAddr("198.18.7.11"), netip.MustParseAddr("2001:db8:7::11")}

func TestHostViewPasses(t *testing.T) {
	_, root := hostResolver(t, "@ A 198.18.7.11", "@ AAAA 2001:db8:7::11")
	auth := json.RawMessage(`{"passed":true}`)
	got, err := runStep(t, root, &plan.DNSPlan{Domain: "staging.lab.test", Expect: expect, Authoritative: auth})
	if err != nil || len(got) != 1 || got[0].typ != event.TypeDNSPassed || got[0].status != event.StatusOK {
		t.Fatalf("err %v, events %+v", err, got)
	}
	d := got[0].data
	if !d.Host.OK || string(d.Authoritative) != string(auth) || !strings.HasSuffix(d.Host.Server, ":53") || len(d.Host.ResolvConf.Search) != 1 {
		t.Errorf("data %+v", d)
	}
}

func TestSplitHorizonAbortsWithBothViews(t *testing.T) {
	_, root := hostResolver(t, "@ A 198.18.200.5") // the inside view: another address
	got, err := runStep(t, root, &plan.DNSPlan{Domain: "staging.lab.test", Expect: expect, Authoritative: json.RawMessage(`{"passed":true}`)})
	if !errors.Is(err, step.ErrAbort) || len(got) != 1 || got[0].typ != event.TypeDNSFailed {
		t.Fatalf("err %v, events %+v", err, got)
	}
	for _, want := range []string{"split horizon", "198.18.200.5", "authoritative servers answer 198.18.7.11, 2001:db8:7::11", "missing 198.18.7.11"} {
		if !strings.Contains(got[0].msg, want) {
			t.Errorf("message %q lacks %q", got[0].msg, want)
		}
	}
	if got[0].data.Authoritative == nil || got[0].data.Host.Addrs[0].String() != "198.18.200.5" {
		t.Errorf("event does not carry both views: %+v", got[0].data)
	}
}

func TestHostResolverFailureIsClear(t *testing.T) {
	s, root := hostResolver(t, "@ A 198.18.7.11")
	s.SetMode(labdns.Servfail)
	got, err := runStep(t, root, &plan.DNSPlan{Domain: "staging.lab.test", Expect: expect})
	if !errors.Is(err, step.ErrAbort) || len(got) != 1 || !strings.Contains(got[0].msg, "SERVFAIL") {
		t.Fatalf("err %v, events %+v", err, got)
	}
}

func TestNoPlanIsSkipped(t *testing.T) {
	got, err := runStep(t, t.TempDir(), nil)
	if err != nil || len(got) != 1 || got[0].typ != event.TypeDNSSkipped {
		t.Fatalf("err %v, events %+v", err, got)
	}
}
