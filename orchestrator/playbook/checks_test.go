package playbook

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const day = 24 * time.Hour

// defaultPorts is `ports:` alone.
func defaultPorts() *PortsCheck {
	all := make([]uint16, 65535)
	for i := range all {
		all[i] = uint16(i + 1)
	}
	return &PortsCheck{Expect: []uint16{22, 80, 443}, Range: all, Timeout: time.Second, UDP: []uint16{}, ExpectUDP: []uint16{}}
}

func TestChecksAbsent(t *testing.T) {
	want := Checks{Sweep: SweepCheck{CertWarn: 21 * day, CertFail: 7 * day, HostTimeout: 5 * time.Minute}}
	for _, src := range []string{"", "checks:\n", "checks: {}\n", "checks: ~\n"} {
		if got := mustParse(t, head+src).Checks; !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %+v, want %+v", src, got, want)
		}
	}
}

// TestChecksSectionAlone: a section written alone, empty or ~, or with
// empty keys, takes its defaults.
func TestChecksSectionAlone(t *testing.T) {
	for _, src := range []string{
		"checks:\n  ports:\n  tls:\n  http01:\n  sweep:\n",
		"checks: {ports: ~, tls: {}, http01: {timeout: ~}, sweep: {certWarn: }}\n",
		"checks:\n  ports: {expect: ~, range: ~}\n  tls: {port: ~, minValid: ~, caFile: ~}\n  http01: ~\n",
	} {
		c := mustParse(t, head+src).Checks
		if !reflect.DeepEqual(c.Ports, defaultPorts()) {
			t.Errorf("%q: ports %+v", src, c.Ports)
		}
		if want := (&TLSCheck{MinValid: 14 * day, Port: 443, Timeout: 5 * time.Second}); !reflect.DeepEqual(c.TLS, want) || !reflect.DeepEqual(DefaultTLSCheck(), want) {
			t.Errorf("%q: tls %+v, want %+v", src, c.TLS, want)
		}
		if want := (&HTTP01Check{Timeout: 10 * time.Second}); !reflect.DeepEqual(c.HTTP01, want) || !reflect.DeepEqual(DefaultHTTP01Check(), want) {
			t.Errorf("%q: http01 %+v", src, c.HTTP01)
		}
		if c.Sweep != defaultSweep() {
			t.Errorf("%q: sweep %+v", src, c.Sweep)
		}
	}
}

// TestChecksKeys sets every key in turn; got picks the field the key sets.
func TestChecksKeys(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "roots.pem"), []byte("whatever: loading is the run's business\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", dir)
	ports := func(c Checks) any { return c.Ports }
	with := func(f func(*PortsCheck)) *PortsCheck { p := defaultPorts(); f(p); return p }
	for _, tc := range []struct {
		name, yaml string
		got        func(Checks) any
		want       any
	}{
		{"expect string", "ports: {expect: '22, 443,80'}", ports, with(func(p *PortsCheck) { p.Expect = []uint16{22, 80, 443} })},
		{"expect list", "ports: {expect: [443, 22, '8000-8002']}", ports, with(func(p *PortsCheck) { p.Expect = []uint16{22, 443, 8000, 8001, 8002} })},
		{"expect integer", "ports: {expect: 22}", ports, with(func(p *PortsCheck) { p.Expect = []uint16{22} })},
		{"expect overlap", "ports: {expect: ['20-22', 21, '22,23']}", ports, with(func(p *PortsCheck) { p.Expect = []uint16{20, 21, 22, 23} })},
		{"range", "ports: {range: 1-1024}", ports, with(func(p *PortsCheck) { p.Range = p.Range[:1024] })},
		{"range list", "ports: {range: [1-3, 10]}", ports, with(func(p *PortsCheck) { p.Range = []uint16{1, 2, 3, 10} })},
		{"timeout", "ports: {timeout: 250ms}", ports, with(func(p *PortsCheck) { p.Timeout = 250 * time.Millisecond })},
		{"udp", "ports: {udp: [53, 123, 51820], expectUDP: 51820}", ports, with(func(p *PortsCheck) { p.UDP, p.ExpectUDP = []uint16{53, 123, 51820}, []uint16{51820} })},
		{"udp empty", "ports: {udp: '', expectUDP: []}", ports, defaultPorts()},
		{"caFile relative", "tls: {caFile: roots.pem}", func(c Checks) any { return [2]any{c.TLS.CAFile, c.TLS.CAFileLine} }, [2]any{filepath.Join(dir, "roots.pem"), 6}},
		{"caFile home", "tls: {caFile: ~/roots.pem}", func(c Checks) any { return c.TLS.CAFile }, filepath.Join(dir, "roots.pem")},
		{"minValid days", "tls: {minValid: 30d}", func(c Checks) any { return c.TLS.MinValid }, 30 * day},
		{"minValid duration", "tls: {minValid: 36h}", func(c Checks) any { return c.TLS.MinValid }, 36 * time.Hour},
		{"minValid zero", "tls: {minValid: 0}", func(c Checks) any { return c.TLS.MinValid }, time.Duration(0)},
		{"tls port", "tls: {port: 8443}", func(c Checks) any { return c.TLS.Port }, uint16(8443)},
		{"tls timeout", "tls: {timeout: 2s}", func(c Checks) any { return c.TLS.Timeout }, 2 * time.Second},
		{"httpRedirect", "tls: {httpRedirect: true}", func(c Checks) any { return c.TLS.HTTPRedirect }, true},
		{"http01 timeout", "http01: {timeout: 1m}", func(c Checks) any { return c.HTTP01.Timeout }, time.Minute},
		{"certWarn", "sweep: {certWarn: 30d}", func(c Checks) any { return c.Sweep }, SweepCheck{30 * day, 7 * day, 5 * time.Minute}},
		{"certFail", "sweep: {certFail: 36h}", func(c Checks) any { return c.Sweep }, SweepCheck{21 * day, 36 * time.Hour, 5 * time.Minute}},
		{"certFail zero", "sweep: {certFail: 0d, certWarn: 1d}", func(c Checks) any { return c.Sweep }, SweepCheck{day, 0, 5 * time.Minute}},
		{"hostTimeout", "sweep: {hostTimeout: 90s}", func(c Checks) any { return c.Sweep }, SweepCheck{21 * day, 7 * day, 90 * time.Second}},
		{"merge", "sweep: {<<: &s {certWarn: 30d}, certFail: 2d}", func(c Checks) any { return c.Sweep }, SweepCheck{30 * day, 2 * day, 5 * time.Minute}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := Parse(filepath.Join(dir, "t.yaml"), []byte(head+"checks:\n  "+tc.yaml+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			if got := tc.got(p.Checks); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestChecksErrors(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "ca.d"), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"checks list", "checks: [ports]", `t.yaml:5: checks: must be a mapping, got a list`},
		{"unknown", "checks:\n  colour: blue", `t.yaml:6: checks.colour: unknown key (ports, tls, http01, sweep)`},
		{"ports scalar", "checks:\n  ports: yes", `t.yaml:6: checks.ports: must be a mapping, got string "yes"`},
		{"ports unknown", "checks:\n  ports: {exepct: 22}", `t.yaml:6: checks.ports.exepct: unknown key (expect, range, timeout, udp, expectUDP); did you mean "expect"?`},
		{"expect bad", "checks:\n  ports:\n    expect: 22,http", `t.yaml:7: checks.ports.expect: port list item "http": "http" is not a port number 1..65535`},
		{"expect empty", "checks:\n  ports: {expect: ''}", `t.yaml:6: checks.ports.expect: must name at least one port`},
		{"expect empty list", "checks:\n  ports: {expect: []}", `t.yaml:6: checks.ports.expect: must name at least one port`},
		{"expect item", "checks:\n  ports:\n    expect:\n      - 22\n      - 70000", `t.yaml:9: checks.ports.expect[1]: port list item "70000": "70000" is not a port number 1..65535`},
		{"expect mapping item", "checks:\n  ports: {expect: [{a: 1}]}", `t.yaml:6: checks.ports.expect[0]: must be a string, got a mapping`},
		{"expect mapping", "checks:\n  ports: {expect: {a: 1}}", `t.yaml:6: checks.ports.expect: must be a port list such as "22,80,443" or [22, 80, 443], got a mapping`},
		{"range backwards", "checks:\n  ports: {range: 9-1}", `t.yaml:6: checks.ports.range: port list item "9-1": range end 1 is below its start 9`},
		{"range zero", "checks:\n  ports: {range: 0-10}", `t.yaml:6: checks.ports.range: port list item "0-10": "0" is not a port number 1..65535`},
		{"ports timeout zero", "checks:\n  ports: {timeout: 0s}", `t.yaml:6: checks.ports.timeout: must be longer than 0s`},
		{"ports timeout negative", "checks:\n  ports: {timeout: -1s}", `t.yaml:6: checks.ports.timeout: must not be negative, got -1s`},
		{"ports timeout unit", "checks:\n  ports: {timeout: 5}", `t.yaml:6: checks.ports.timeout: must be a duration such as 60s or 2m, got "5"`},
		{"udp bad", "checks:\n  ports: {udp: '53,dns'}", `t.yaml:6: checks.ports.udp: port list item "dns"`},
		{"expectUDP bad", "checks:\n  ports: {expectUDP: [70000]}", `t.yaml:6: checks.ports.expectUDP[0]: port list item "70000"`},
		{"tls list", "checks:\n  tls: [443]", `t.yaml:6: checks.tls: must be a mapping, got a list`},
		{"tls unknown", "checks:\n  tls:\n    bogus: 1", `t.yaml:7: checks.tls.bogus: unknown key (caFile, minValid, port, timeout, httpRedirect)`},
		{"tls snake", "checks:\n  tls: {min_valid: 3d}", `t.yaml:6: checks.tls.min_valid: unknown key (caFile, minValid, port, timeout, httpRedirect); did you mean "minValid"?`},
		{"caFile missing", "checks:\n  tls:\n    caFile: missing.pem", `t.yaml:7: checks.tls.caFile: cannot read ` + filepath.Join(dir, "missing.pem") + `: no such file or directory`},
		{"caFile directory", "checks:\n  tls: {caFile: ca.d}", `t.yaml:6: checks.tls.caFile: ` + filepath.Join(dir, "ca.d") + ` is not a regular file`},
		{"caFile empty", "checks:\n  tls: {caFile: ''}", `t.yaml:6: checks.tls.caFile: must be a file path, got ""`},
		{"caFile list", "checks:\n  tls: {caFile: [a]}", `t.yaml:6: checks.tls.caFile: must be a string, got a list`},
		{"caFile tilde user", "checks:\n  tls: {caFile: ~bob/ca.pem}", `t.yaml:6: checks.tls.caFile: "~bob/ca.pem": ~user is not supported`},
		{"minValid weeks", "checks:\n  tls: {minValid: 2w}", `t.yaml:6: checks.tls.minValid: "2w" is not a number of days (like 14d) or a duration (like 36h)`},
		{"minValid negative", "checks:\n  tls: {minValid: -1d}", `t.yaml:6: checks.tls.minValid: "-1d" is not a number of days`},
		{"tls port zero", "checks:\n  tls: {port: 0}", `t.yaml:6: checks.tls.port: must be between 1 and 65535, got 0`},
		{"tls port string", "checks:\n  tls: {port: '443'}", `t.yaml:6: checks.tls.port: must be an integer, got string "443"`},
		{"tls port big", "checks:\n  tls: {port: 70000}", `t.yaml:6: checks.tls.port: must be between 1 and 65535, got 70000`},
		{"tls timeout", "checks:\n  tls:\n    port: 8443\n    timeout: -1s", `t.yaml:8: checks.tls.timeout: must not be negative, got -1s`},
		{"tls timeout zero", "checks:\n  tls: {timeout: 0}", `t.yaml:6: checks.tls.timeout: must be longer than 0s`},
		{"httpRedirect", "checks:\n  tls:\n    httpRedirect: sometimes", `t.yaml:7: checks.tls.httpRedirect: must be true or false, got string "sometimes"`},
		{"http01 scalar", "checks:\n  http01: yes", `t.yaml:6: checks.http01: must be a mapping, got string "yes"`},
		{"http01 unknown", "checks:\n  http01: {port: 80}", `t.yaml:6: checks.http01.port: unknown key (timeout)`},
		{"http01 long", "checks:\n  http01: {timeout: 2m}", `t.yaml:6: checks.http01.timeout: must be at most 1m, got 2m`},
		{"http01 zero", "checks:\n  http01: {timeout: 0s}", `t.yaml:6: checks.http01.timeout: must be longer than 0s`},
		{"sweep list", "checks:\n  sweep: [1]", `t.yaml:6: checks.sweep: must be a mapping, got a list`},
		{"sweep unknown", "checks:\n  sweep: {certwarn: 3d}", `t.yaml:6: checks.sweep.certwarn: unknown key (certWarn, certFail, hostTimeout); did you mean "certWarn"?`},
		{"certWarn bad", "checks:\n  sweep: {certWarn: soon}", `t.yaml:6: checks.sweep.certWarn: "soon" is not a number of days`},
		{"certFail bad", "checks:\n  sweep:\n    certFail: 3 weeks", `t.yaml:7: checks.sweep.certFail: "3 weeks" is not a number of days`},
		{"certFail above default", "checks:\n  sweep:\n    certFail: 30d", `t.yaml:7: checks.sweep.certFail: must be less than certWarn (21d), got 30d`},
		{"certFail equal", "checks:\n  sweep:\n    certWarn: 7d\n    certFail: 168h", `t.yaml:8: checks.sweep.certFail: must be less than certWarn (7d), got 7d`},
		{"certWarn below default", "checks:\n  sweep:\n    certWarn: 36h", `t.yaml:7: checks.sweep.certWarn: must be more than certFail (7d), got 36h`},
		{"hostTimeout zero", "checks:\n  sweep: {hostTimeout: 0s}", `t.yaml:6: checks.sweep.hostTimeout: must be longer than 0s`},
		{"hostTimeout days", "checks:\n  sweep: {hostTimeout: 1d}", `t.yaml:6: checks.sweep.hostTimeout: must be a duration such as 60s or 2m, got "1d"`},
		{"merged unknown", "checks:\n  ports: &p {expect: 443}\n  tls: {<<: *p, port: 8443}", `t.yaml:6: checks.tls.expect: unknown key (caFile, minValid`},
		{"duplicate", "checks:\n  tls: {}\n  tls: {port: 1}", `t.yaml:7: checks.tls: duplicate key (first at line 6)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(filepath.Join(dir, "t.yaml"), []byte(head+tc.yaml+"\n"))
			errs := unjoin(err)
			if len(errs) != 1 {
				t.Fatalf("%d errors, want 1:\n%v", len(errs), err)
			}
			if got := strings.TrimPrefix(errs[0].Error(), dir+"/"); !strings.HasPrefix(got, tc.want) {
				t.Errorf("error:\n%s\nwant it to start with:\n%s", got, tc.want)
			}
		})
	}
}

// TestChecksTypos: misspelt sections were once accepted and silently
// turned the checks off. Now each is an error at its line, with the key
// it was meant to be.
func TestChecksTypos(t *testing.T) {
	_, err := Parse("t.yaml", []byte(head+"checks: {tsl: {port: 443},\n  prots: {expect: 22}, swep: {}}\n"))
	want := []string{
		`t.yaml:5: checks.tsl: unknown key (ports, tls, http01, sweep); did you mean "tls"?`,
		`t.yaml:6: checks.prots: unknown key (ports, tls, http01, sweep); did you mean "ports"?`,
		`t.yaml:6: checks.swep: unknown key (ports, tls, http01, sweep); did you mean "sweep"?`,
	}
	errs := unjoin(err)
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if e.Error() != want[i] {
			t.Errorf("error %d:\n got %s\nwant %s", i, e, want[i])
		}
	}
}

// TestCollectsAllCheckErrors: problems in several sections are reported
// together, in document order.
func TestCollectsAllCheckErrors(t *testing.T) {
	_, err := Parse("t.yaml", []byte(head+"checks:\n  sweep: {certFail: 1y}\n  ports: {range: 5-1, timeout: 0s}\n  http01: {timeout: 61s}\n"))
	want := []struct {
		line int
		path string
	}{{6, "checks.sweep.certFail"}, {7, "checks.ports.range"}, {7, "checks.ports.timeout"}, {8, "checks.http01.timeout"}}
	errs := unjoin(err)
	if len(errs) != len(want) {
		t.Fatalf("%d errors, want %d:\n%v", len(errs), len(want), err)
	}
	for i, e := range errs {
		if e.Line != want[i].line || e.Path != want[i].path {
			t.Errorf("error %d = %v, want line %d, %s", i, e, want[i].line, want[i].path)
		}
	}
}

// TestExamplePlaybooksLoad: every playbook in playbooks/ loads, and the
// commented example's checks are the defaults written out.
func TestExamplePlaybooksLoad(t *testing.T) {
	t.Setenv("HOME", "/home/sre")
	files, err := filepath.Glob("../../playbooks/*.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no example playbooks: %v", err)
	}
	for _, f := range files {
		p, err := Load(f)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if filepath.Base(f) != "staging.yaml" {
			continue
		}
		want := Checks{Ports: defaultPorts(), TLS: DefaultTLSCheck(), HTTP01: DefaultHTTP01Check(), Sweep: defaultSweep()}
		if !reflect.DeepEqual(p.Checks, want) {
			t.Errorf("%s: checks\n got %+v\nwant %+v", f, p.Checks, want)
		}
	}
}

func TestShortDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		7 * day: "7d", 36 * time.Hour: "36h", time.Minute: "1m", 90 * time.Second: "1m30s",
		10 * time.Second: "10s", 2*time.Hour + time.Minute: "2h1m", 0: "0s",
	} {
		if got := short(d); got != want {
			t.Errorf("short(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestWidePortListsAreCheap: a short playbook can list wide ranges many
// times over; loading it must not expand each one.
func TestWidePortListsAreCheap(t *testing.T) {
	start := time.Now()
	many := strings.Repeat("1-65535, ", 20_000)
	p := mustParse(t, head+"checks:\n  ports:\n    range: ["+many+"22]\n    expect: '"+many+"22'\n")
	if len(p.Checks.Ports.Range) != 65535 || len(p.Checks.Ports.Expect) != 65535 {
		t.Fatalf("%d, %d ports", len(p.Checks.Ports.Range), len(p.Checks.Ports.Expect))
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %s", d)
	}
}
