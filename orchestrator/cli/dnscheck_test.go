package cli

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/dnscheck"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labdns"
)

func TestDNSCheckCommand(t *testing.T) {
	d := newDNSLab(t)
	expect := d.h.Addr4.String() + "," + d.h.Addr6.String()
	run := func(t *testing.T, domain string, extra ...string) (result, *dnscheck.Report) {
		t.Helper()
		args := append([]string{"dns-check", domain, "--expect", expect,
			"--nameserver", d.ns1.Addr, "--nameserver", d.ns2.Addr, "--timeout", "300ms", "-o", "json"}, extra...)
		r := ck8sctl(t, args...)
		var rep dnscheck.Report
		if r.code != ExitBadInput {
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatalf("decoding the report: %v\n%s\n%s", err, r.stdout, r.stderr)
			}
		}
		return r, &rep
	}
	wantFail := func(t *testing.T, r result, rep *dnscheck.Report, parts ...string) {
		t.Helper()
		if r.code != ExitFailed || rep.Passed {
			t.Fatalf("exit %d, want 1\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		for _, p := range parts {
			if !strings.Contains(rep.Summary(), p) || !strings.Contains(r.stderr, p) {
				t.Errorf("report and stderr should say %q:\n%s\n%s", p, rep.Summary(), r.stderr)
			}
		}
	}

	t.Run("correct A and AAAA pass", func(t *testing.T) {
		d.reset(t)
		r := ck8sctl(t, "dns-check", "staging.lab.test", "--expect", expect, "--nameserver", d.ns1.Addr, "--nameserver", d.ns2.Addr)
		if r.code != ExitOK || !strings.Contains(r.stdout, "PASSED") || strings.Count(r.stdout, " ok\n") != 2 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})
	t.Run("quiet: one line each way", func(t *testing.T) {
		d.reset(t)
		ns := []string{"--expect", expect, "--nameserver", d.ns1.Addr, "--nameserver", d.ns2.Addr, "--timeout", "300ms"}
		ok := ck8sctl(t, append([]string{"--quiet", "dns-check", "staging.lab.test"}, ns...)...)
		bad := ck8sctl(t, append([]string{"-q", "dns-check", "www.staging.lab.test"}, ns...)...)
		if ok.code != ExitOK || !strings.HasPrefix(ok.stdout, "dns-check: staging.lab.test resolves to ") ||
			!strings.HasSuffix(ok.stdout, ", exit 0\n") || strings.Count(ok.stdout, "\n") != 1 {
			t.Errorf("--quiet pass: exit %d, stdout %q", ok.code, ok.stdout)
		}
		if bad.code != ExitFailed || strings.Count(bad.stdout, "\n") != 1 ||
			!strings.Contains(bad.stdout, "NXDOMAIN") || !strings.HasSuffix(bad.stdout, ", exit 1\n") {
			t.Errorf("--quiet failure: exit %d, stdout %q", bad.code, bad.stdout)
		}
	})
	t.Run("nxdomain", func(t *testing.T) {
		d.reset(t)
		r, rep := run(t, "www.staging.lab.test")
		wantFail(t, r, rep, "NXDOMAIN: the name does not exist")
	})
	t.Run("one stale server of two fails, naming it", func(t *testing.T) {
		d.reset(t)
		point(t, d.ns2, "198.18.250.99")
		r, rep := run(t, "staging.lab.test")
		wantFail(t, r, rep, d.ns2.Addr+" answers 198.18.250.99")
		if st := rep.Stale(); len(st) != 1 || st[0] != d.ns2.Addr {
			t.Errorf("stale %v", st)
		}
	})
	t.Run("stale server fixed within --wait passes", func(t *testing.T) {
		d.reset(t)
		point(t, d.ns2, "198.18.250.99")
		fixed := time.AfterFunc(800*time.Millisecond, func() { d.ns2.SetZone(d.zone(t)) })
		defer fixed.Stop()
		start := time.Now()
		r, rep := run(t, "staging.lab.test", "--wait", "20s")
		if r.code != ExitOK || !rep.Passed || rep.Attempts < 2 || time.Since(start) > 10*time.Second {
			t.Fatalf("exit %d after %d attempt(s) in %s\n%s", r.code, rep.Attempts, time.Since(start), r.stderr)
		}
		if !strings.Contains(r.stderr, "not converged") || !strings.Contains(r.stderr, d.ns2.Addr) {
			t.Errorf("the wait should name the stale server:\n%s", r.stderr)
		}
	})
	t.Run("CAA forbidding the CA fails", func(t *testing.T) {
		d.reset(t)
		for _, s := range []*labdns.Server{d.ns1, d.ns2} {
			if err := s.Zone().Add(`@ CAA 0 issue "pki.goog"`); err != nil {
				t.Fatal(err)
			}
		}
		r, rep := run(t, "staging.lab.test")
		wantFail(t, r, rep, "CAA: forbids letsencrypt.org: only pki.goog may issue")
		if r, _ := run(t, "staging.lab.test", "--caa-issuer", "pki.goog"); r.code != ExitOK {
			t.Errorf("--caa-issuer pki.goog: exit %d\n%s", r.code, r.stderr)
		}
	})
	t.Run("CNAME chain to the right address passes", func(t *testing.T) {
		d.reset(t)
		for _, s := range []*labdns.Server{d.ns1, d.ns2} {
			if err := s.Zone().Add("www CNAME edge", "edge CNAME @"); err != nil {
				t.Fatal(err)
			}
		}
		r, rep := run(t, "www.staging.lab.test")
		if r.code != ExitOK || len(rep.Servers) != 2 || len(rep.Servers[0].Chain) != 2 {
			t.Fatalf("exit %d %+v\n%s", r.code, rep.Servers, r.stderr)
		}
	})
	t.Run("a server that never answers times out clearly", func(t *testing.T) {
		d.reset(t)
		d.ns2.SetMode(labdns.Silent)
		start := time.Now()
		r, rep := run(t, "staging.lab.test")
		wantFail(t, r, rep, d.ns2.Addr+" staging.lab.test. SOA: timeout: no reply: nothing within 300ms")
		if took := time.Since(start); took > 8*time.Second {
			t.Errorf("took %s", took)
		}
	})
	t.Run("bad input exits 2 naming the flag", func(t *testing.T) {
		for args, want := range map[string]string{
			"staging.lab.test --expect nope --nameserver " + d.ns1.Addr:              "flag --expect",
			"staging.lab.test --expect 198.18.0.1 --nameserver ns1.lab.test":         "flag --nameserver",
			"--expect 198.18.0.1 --nameserver " + d.ns1.Addr:                         "one DOMAIN",
			"staging.lab.test --expect 198.18.0.1":                                   "flag --nameserver: required",
			"staging.lab.test --expect 198.18.0.1 -o xml --nameserver " + d.ns1.Addr: "flag --output",
		} {
			r := ck8sctl(t, append([]string{"dns-check"}, strings.Fields(args)...)...)
			if r.code != ExitBadInput || !strings.Contains(r.stderr, want) {
				t.Errorf("%s: exit %d, stderr %q, want 2 and %q", args, r.code, r.stderr, want)
			}
		}
	})
}
