package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// The sweep section (-sweep, off by default: about an hour at 200 hosts):
// `ck8sctl sweep`, the read-only compliance pass, on one lab of
// -sweep-hosts hosts, all hardened, 10% of them drifted by hand (a rule
// opening a decoy port), against the OpenSSH lower bound (`ssh host true`
// to every host at once, same key exchange) and against `ansible-playbook
// --check --diff` of the firewall section's playbook (forks 50). The sweep
// runs twice: with a tiny port range (the host side: SSH, the agent's
// check-mode steps, DNS, metrics) and with every TCP port (the outside
// scan on the one shared scanner); the difference is the scan's share.
// A third sweep black-holes 10% of the hosts. Every report is checked:
// exactly the drifted hosts non-compliant (firewall.drift and
// port.unexpected_open), the black-holed ones unreachable, the rest
// compliant. Figures are printed against the targets, never
// judged pass/fail.

// The section's flags besides -sweep (main.go): registered here so the
// hook in main stays one flag and one call.
var (
	sweepHosts        = flag.Int("sweep-hosts", lab.MaxHosts, "hosts of the sweep section's lab")
	sweepReps         = flag.Int("sweep-reps", 1, "repetitions of each ck8sctl and ssh measurement in the sweep section (median)")
	sweepAnsibleHosts = flag.Int("sweep-ansible-hosts", lab.MaxHosts, "hosts Ansible's --check runs on; fewer than -sweep-hosts also sweeps that subset with ck8sctl (0: no Ansible)")
	sweepAnsibleForks = flag.Int("sweep-ansible-forks", 50, "Ansible forks in the sweep section")
	sweepForks        = flag.Int("sweep-forks", 50, "ck8sctl sweep --forks in the sweep section (one extra host-side sweep runs every host at once)")
	sweepIndex        = flag.Int("sweep-index", 0, "lab index of the sweep section (0: a random free one)")
	sweepFull         = flag.Bool("sweep-full", true, "also sweep with the full-range scan (1-65535, v4 and v6; about an hour at 200 hosts)")
)

// swOptions are the section's settings.
type swOptions struct {
	self         string // bin/ck8sctl
	hosts        int
	reps         int
	ansibleHosts int // 0: no Ansible
	ansibleForks int
	forks        int  // ck8sctl sweep --forks
	full         bool // measure the full-range sweeps (c)
	index        int
	backend      string // firewall.backend of the hardening and the sweep
	playbook     string // the Ansible playbook
}

func sweepOptions(self, backend string) swOptions {
	return swOptions{self: self, hosts: *sweepHosts, reps: *sweepReps, ansibleHosts: *sweepAnsibleHosts,
		ansibleForks: *sweepAnsibleForks, forks: *sweepForks, full: *sweepFull, index: *sweepIndex, backend: backend, playbook: "hack/bench/ansible/firewall.yml"}
}

// Black-hole measurement settings, as the issue words the target.
const (
	bhHostTimeout    = 30 * time.Second
	bhConnectTimeout = 5 * time.Second
	// hostRange is the host-side sweep's scan: the profile's ports and
	// the drift's, so the drift shows from outside in both sweeps.
	hostRange = "22,80,443,8080"
	// allConnectTimeout is the connect timeout of the all-at-once sweep's
	// second try: OpenSSH's ssh has none at all.
	allConnectTimeout = time.Minute
)

// swFigures are the section's measurements.
type swFigures struct {
	n, drifted, blackholed int
	ssh                    time.Duration
	host, full, bh         swRun
	// The host side with every host at once (--forks n): with the
	// default connect timeout, and again with allConnectTimeout when
	// that one misjudged hosts.
	all, allLong *swRun
	fullDefault  *swRun // (c) again with the default host deadline, when (c) outlasts it
	// At the Ansible subset size (ansN < n): ck8sctl on the same hosts.
	ansN               int
	subHost, subFull   *swRun
	ansible            *ansCheck
	loadStart, loadEnd string
	failed             []string // measurements that could not be taken
}

func sweepBench(o swOptions) error {
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if sig, ok := <-sigs; ok {
			progress("received %s: stopping, the lab comes down", sig)
			cancel(fmt.Errorf("bench stopped by %s", sig))
		}
	}()
	if err := o.validate(); err != nil {
		return err
	}
	if ok, why := hardenAvailable(o.self); !ok {
		return fmt.Errorf("ck8sctl harden is not available (%s): the hosts cannot be hardened", why)
	}
	fmt.Printf("\n== sweep: ck8sctl sweep vs ssh true and ansible-playbook --check --diff (%d hosts, %s backend) ==\n", o.hosts, o.backend)
	f := &swFigures{n: o.hosts, loadStart: loadavg()}
	l, err := sweepLabUp(ctx, o)
	if err != nil {
		return err
	}
	defer sweepLabDown(l)
	if err := sweepMeasure(ctx, o, l, f); err != nil {
		return err
	}
	f.loadEnd = loadavg()
	f.print(o)
	return nil
}

func (o *swOptions) validate() error {
	switch {
	case o.hosts < 10 || o.hosts > lab.MaxHosts:
		return fmt.Errorf("-sweep-hosts: must be 10..%d (10%% drift), got %d", lab.MaxHosts, o.hosts)
	case o.ansibleHosts < 0 || o.ansibleHosts > o.hosts:
		return fmt.Errorf("-sweep-ansible-hosts: must be 0..%d, got %d", o.hosts, o.ansibleHosts)
	case o.reps < 1:
		return fmt.Errorf("-sweep-reps: must be at least 1")
	case o.forks < 1:
		return fmt.Errorf("-sweep-forks: must be at least 1")
	}
	if o.ansibleHosts > 0 {
		if _, err := exec.LookPath("ansible-playbook"); err != nil {
			return fmt.Errorf("the sweep section needs ansible-core (hack/deps.sh bench), or -sweep-ansible-hosts 0: %w", err)
		}
		p, err := filepath.Abs(o.playbook)
		if err != nil {
			return err
		}
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("ansible playbook: %w", err)
		}
		o.playbook = p
	}
	return nil
}

// sweepMeasure hardens the lab, drifts 10% of it and takes every figure.
func sweepMeasure(ctx context.Context, o swOptions, l *lab.Lab, f *swFigures) error {
	progress("hardening all %d hosts (ck8sctl harden, %s)", len(l.Hosts), o.backend)
	d, err := hardenAll(ctx, o, l)
	if err != nil {
		return fmt.Errorf("hardening the lab: %w", err)
	}
	progress("hardened in %s", d.Round(time.Millisecond))
	drifted := pick(l.Hosts, len(l.Hosts)/10)
	if err := drift(ctx, l, o.backend, drifted); err != nil {
		return err
	}
	f.drifted = len(drifted)
	progress("drifted %d hosts (a rule opening %d): %s", len(drifted), driftPort, sample(names(drifted)))
	want := swWant{drifted: names(drifted), driftSeen: true}

	pbHost, err := sweepPlaybook(l, o.backend, "host", hostRange, "")
	if err != nil {
		return err
	}
	// The full scan of every host's addresses may take longer than the
	// default host deadline (5m); the figure wanted is the scan's time,
	// so (c) has a longer one and is repeated with the default if needed.
	pbFull, err := sweepPlaybook(l, o.backend, "full", "", "2h")
	if err != nil {
		return err
	}
	s := &sweeper{self: o.self, lab: l, db: filepath.Join(l.Dir, "sweep.db"), forks: o.forks}
	// Each measurement on its own: one that fails is reported and the
	// others still run (an hour of figures is not lost to one error).
	steps := []struct {
		name string
		run  func() error
	}{
		{"ssh true", func() error { return measureSSH(o, l, f) }},
		{"(b) host side", func() error { return measureHost(ctx, o, l, s, pbHost, want, f) }},
		{"(f) black hole", func() error { return measureBlackhole(ctx, l, s, pbHost, want, f) }},
		{"(b) all at once", func() error { return measureAllAtOnce(ctx, o, l, s, pbHost, want, f) }},
		{"Ansible", func() error { return measureAnsible(ctx, o, l, s, pbHost, pbFull, want, f) }},
		{"(c) full", func() error { return measureFull(ctx, o, l, s, pbFull, want, f) }},
	}
	for _, st := range steps {
		if ctx.Err() != nil {
			return context.Cause(ctx)
		}
		if err := st.run(); err != nil {
			progress("%s failed: %v", st.name, err)
			f.failed = append(f.failed, fmt.Sprintf("%s: %v", st.name, err))
		}
	}
	return nil
}

func measureSSH(o swOptions, l *lab.Lab, f *swFigures) (err error) {
	progress("ssh host true to %d hosts", len(l.Hosts))
	f.ssh, err = medianErr(o.reps, func() (time.Duration, error) { return sshTrue(l, l.Hosts) })
	progress("ssh true: %s", f.ssh)
	return err
}

func measureHost(ctx context.Context, o swOptions, l *lab.Lab, s *sweeper, pbHost string, want swWant, f *swFigures) (err error) {
	progress("ck8sctl sweep, range %s, --forks %d", hostRange, s.forks)
	f.host, err = s.measure(ctx, o.reps, pbHost, l.Hosts, want)
	logRun("(b) host side", f.host)
	return err
}

// measureFull is (c), the sweep of every TCP port, and when it outlasts
// the default per-host deadline, the same sweep with that deadline.
func measureFull(ctx context.Context, o swOptions, l *lab.Lab, s *sweeper, pbFull string, want swWant, f *swFigures) (err error) {
	if !o.full {
		return nil
	}
	progress("ck8sctl sweep, every TCP port, --forks %d", s.forks)
	if f.full, err = s.measure(ctx, o.reps, pbFull, l.Hosts, want); err != nil {
		return err
	}
	logRun("(c) full", f.full)
	if f.full.wall <= defaultHostTimeout {
		return nil
	}
	// The full sweep outlasted the default per-host deadline: what does a
	// sweep with the defaults report?
	pb, err := sweepPlaybook(l, o.backend, "full-default", "", "")
	if err != nil {
		return err
	}
	progress("ck8sctl sweep, every TCP port, default host deadline (%s)", defaultHostTimeout)
	r, err := s.run(ctx, pb, l.Hosts, want)
	if err != nil {
		return err
	}
	r.wall = r.wall.Round(time.Millisecond)
	f.fullDefault = &r
	logRun("(c) default host deadline", r)
	return nil
}

// defaultHostTimeout is checks.sweep.hostTimeout's default
// (playbook.DefaultSweepHostTimeout).
const defaultHostTimeout = 5 * time.Minute

// measureAllAtOnce is the host-side sweep with every host at once, as
// ssh true runs: with the default connect timeout, and when that
// misjudges hosts (a handshake storm on a small machine), once more with
// a longer one.
func measureAllAtOnce(ctx context.Context, o swOptions, l *lab.Lab, s *sweeper, pbHost string, want swWant, f *swFigures) error {
	all := *s
	all.forks = len(l.Hosts)
	progress("ck8sctl sweep, range %s, all %d hosts at once", hostRange, len(l.Hosts))
	r, err := all.measure(ctx, o.reps, pbHost, l.Hosts, want)
	if err != nil {
		return err
	}
	f.all = &r
	logRun("(b) all at once", r)
	if len(r.problems) == 0 {
		return nil
	}
	r, err = all.measure(ctx, o.reps, pbHost, l.Hosts, want, "--connect-timeout", allConnectTimeout.String())
	if err != nil {
		return err
	}
	f.allLong = &r
	logRun("(b) all at once, --connect-timeout "+allConnectTimeout.String(), r)
	return nil
}

// hardenAll applies the firewall profile to every host, checked from the
// recorded events (every host confirmed). Setup, not measured: 50 at a
// time with a 30 s connect timeout, since 200 SSH handshakes at once on
// a small machine outlast the default 10 s.
func hardenAll(ctx context.Context, o swOptions, l *lab.Lab) (time.Duration, error) {
	hr := &hardenRunner{self: o.self, lab: l, backend: o.backend}
	pb, err := hr.playbookFor(l.Hosts)
	if err != nil {
		return 0, err
	}
	db := pb + ".db"
	cmd := exec.CommandContext(ctx, o.self, "--log-level", "error", "harden", "-p", pb, "--db", db, "-o", "json",
		"--forks", "50", "--connect-timeout", "30s", "--ssh-kex", kex, "--ssh-config", "none")
	cmd.WaitDelay = 10 * time.Second
	d, out, stderr, _, err := timed(cmd)
	if err != nil {
		return 0, fmt.Errorf("ck8sctl harden: %v\n%s\n%s", err, tail(out, 30), tail(stderr, 10))
	}
	return d, hr.checkEvents(ctx, db, len(l.Hosts), true)
}

// measureBlackhole sweeps with 10% of the hosts black-holed (not the
// drifted ones' concern: any host may be picked), then lets them answer.
func measureBlackhole(ctx context.Context, l *lab.Lab, s *sweeper, pbHost string, want swWant, f *swFigures) (err error) {
	bh := pick(l.Hosts, len(l.Hosts)/10)
	f.blackholed = len(bh)
	progress("black-holing %d hosts: %s", len(bh), sample(names(bh)))
	defer func() {
		if e := blackhole(context.WithoutCancel(ctx), l, bh, false); e != nil {
			err = errors.Join(err, e)
		}
	}()
	if err := blackhole(ctx, l, bh, true); err != nil {
		return err
	}
	want.blackholed = names(bh)
	f.bh, err = s.run(ctx, pbHost, l.Hosts, want, "--host-timeout", bhHostTimeout.String(), "--connect-timeout", bhConnectTimeout.String())
	f.bh.wall = f.bh.wall.Round(time.Millisecond)
	logRun("(f) black-holed", f.bh)
	return err
}

// measureAnsible runs Ansible's check on the first ansibleHosts hosts and,
// when that is a subset, ck8sctl's two sweeps on the same hosts.
func measureAnsible(ctx context.Context, o swOptions, l *lab.Lab, s *sweeper, pbHost, pbFull string, want swWant, f *swFigures) error {
	if o.ansibleHosts == 0 {
		return nil
	}
	f.ansN = o.ansibleHosts
	hosts := l.Hosts[:f.ansN]
	if f.ansN < len(l.Hosts) {
		progress("ck8sctl sweep on the Ansible subset (%d hosts)", f.ansN)
		h, err := s.measure(ctx, o.reps, pbHost, hosts, want)
		if err != nil {
			return err
		}
		f.subHost = &h
		logRun("(b) subset", h)
		if o.full {
			full, err := s.measure(ctx, o.reps, pbFull, hosts, want)
			if err != nil {
				return err
			}
			f.subFull = &full
			logRun("(c) subset", full)
		}
	}
	progress("ansible-playbook --check --diff -f %d on %d hosts", o.ansibleForks, f.ansN)
	var err error
	if f.ansible, err = ansibleCheck(ctx, l, o.playbook, o.ansibleForks, hosts, want.drifted); err != nil {
		return err
	}
	progress("ansible: %s, peak RSS %s, %d changed (%d of them drifted)", f.ansible.wall, mib(f.ansible.rss), len(f.ansible.changed), f.ansible.changedDrifted)
	return nil
}

// logRun writes a measurement as soon as it is taken: the table at the
// end is printed only if the bench gets there.
func logRun(name string, r swRun) {
	progress("%s: wall %s, peak RSS %s, CPU machine %.1f s, ck8sctl %.1f s, %d ports (%d probes), exit %d, %d point(s) differ from the lab%s",
		name, r.wall, mib(r.rss), r.cpuMachine.Seconds(), r.cpuProc.Seconds(), r.ports, r.probes, r.exit, len(r.problems), firstProblems(r.problems))
}

func firstProblems(ps []string) string {
	if len(ps) == 0 {
		return ""
	}
	return ":\n    " + strings.Join(ps[:min(len(ps), 5)], "\n    ")
}

func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "%s sweep: %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, a...))
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}
