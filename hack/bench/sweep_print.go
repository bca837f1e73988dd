package main

import (
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// print writes the section's table, the figures against the issue's
// targets, and what the reports said that they should not have.
func (f *swFigures) print(o swOptions) {
	fmt.Printf("\n%d hosts, %d drifted (a rule opening %d), key exchange %s on every side; ck8sctl --forks %d unless said, median of %d; load average %s at the start, %s at the end\n",
		f.n, f.drifted, driftPort, kex, o.forks, o.reps, f.loadStart, f.loadEnd)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "measurement\thosts\twall\tpeak RSS\tCPU, machine\tCPU, ck8sctl\tports probed\texit\treport as expected\t")
	fmt.Fprintf(tw, "ssh host true (OpenSSH, the lower bound)\t%d\t%s\t\t\t\t\t\t\t\n", f.n, f.ssh)
	f.row(tw, "(b) ck8sctl sweep, host side (range "+hostRange+")", f.n, f.host)
	if f.all != nil {
		f.row(tw, fmt.Sprintf("(b) host side, all at once (--forks %d)", f.n), f.n, *f.all)
	}
	if f.allLong != nil {
		f.row(tw, fmt.Sprintf("(b) host side, all at once, --connect-timeout %s", allConnectTimeout), f.n, *f.allLong)
	}
	if f.full.wall > 0 {
		f.row(tw, "(c) ck8sctl sweep, full (1-65535)", f.n, f.full)
	}
	if f.fullDefault != nil {
		f.row(tw, fmt.Sprintf("(c) again, default host deadline (%s)", defaultHostTimeout), f.n, *f.fullDefault)
	}
	f.row(tw, fmt.Sprintf("(f) ck8sctl sweep, %d black-holed, --host-timeout %s", f.blackholed, bhHostTimeout), f.n, f.bh)
	if f.subHost != nil {
		f.row(tw, "(b) ck8sctl sweep, host side, Ansible's subset", f.ansN, *f.subHost)
		if f.subFull != nil {
			f.row(tw, "(c) ck8sctl sweep, full, Ansible's subset", f.ansN, *f.subFull)
		}
	}
	if a := f.ansible; a != nil {
		fmt.Fprintf(tw, "(g) ansible-playbook --check --diff -f %d\t%d\t%s\t%s\t\t\t\t\t%d changed (%d of them drifted)\t\n",
			o.ansibleForks, f.ansN, a.wall, mib(a.rss), len(a.changed), a.changedDrifted)
	}
	tw.Flush()
	f.printTargets()
	f.printProblems()
}

func (f *swFigures) row(tw *tabwriter.Writer, name string, n int, r swRun) {
	ok := "yes"
	if len(r.problems) > 0 {
		ok = fmt.Sprintf("no (%d)", len(r.problems))
	}
	fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%.1f s\t%.1f s\t%d\t%d\t%s\t\n", name, n, r.wall, mib(r.rss),
		r.cpuMachine.Seconds(), r.cpuProc.Seconds(), r.ports, r.exit, ok)
}

func (f *swFigures) printTargets() {
	fmt.Println("\nagainst the targets (figures, not a verdict):")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "target\tmeasured\twithin")
	if a := f.ansible; a != nil {
		full, host, at := f.full, f.host, fmt.Sprintf("%d hosts", f.n)
		if f.subHost != nil {
			host, at = *f.subHost, fmt.Sprintf("%d hosts (Ansible's subset)", f.ansN)
			full = swRun{}
			if f.subFull != nil {
				full = *f.subFull
			}
		}
		if full.wall > 0 {
			fmt.Fprintf(tw, "ck8sctl sweep >= 10x faster than Ansible --check, %s\tfull sweep %.1fx, host side %.1fx\t%s\n",
				at, ratio(a.wall, full.wall), ratio(a.wall, host.wall), yes(ratio(a.wall, full.wall) >= 10))
		} else {
			fmt.Fprintf(tw, "ck8sctl sweep >= 10x faster than Ansible --check, %s\thost side %.1fx (no full-range sweep measured)\t%s\n",
				at, ratio(a.wall, host.wall), yes(ratio(a.wall, host.wall) >= 10))
		}
		if f.subFull != nil {
			est := a.wall * time.Duration(f.n) / time.Duration(f.ansN)
			fmt.Fprintf(tw, "  (Ansible at %d hosts, extrapolated linearly from %d: %s, %.1fx the full sweep)\t\t\n",
				f.n, f.ansN, est.Round(time.Second), ratio(est, f.full.wall))
		}
	}
	fmt.Fprintf(tw, "host side within 2x of ssh true, %d hosts\t%.2fx (%s / %s)\t%s\n",
		f.n, ratio(f.host.wall, f.ssh), f.host.wall, f.ssh, yes(ratio(f.host.wall, f.ssh) <= 2))
	for _, r := range []*swRun{f.all, f.allLong} {
		if r != nil && len(r.problems) == 0 {
			fmt.Fprintf(tw, "  (all at once: %.2fx, %s)\t\t\n", ratio(r.wall, f.ssh), r.wall)
		}
	}
	rss := max(f.host.rss, f.full.rss, f.bh.rss)
	for _, r := range []*swRun{f.all, f.allLong, f.fullDefault} {
		if r != nil {
			rss = max(rss, r.rss)
		}
	}
	fmt.Fprintf(tw, "orchestrator peak RSS < 300 MB, %d hosts\t%.0f MB (%s)\t%s\n", f.n, float64(rss)*1024/1e6, mib(rss), yes(rss*1024 < 300e6))
	limit := time.Duration(1.2*float64(f.host.wall)) + bhHostTimeout
	fmt.Fprintf(tw, "%d black-holed: <= 1.2 x healthy + %s\t%s (limit %s)\t%s\n",
		f.blackholed, bhHostTimeout, f.bh.wall, limit.Round(time.Millisecond), yes(f.bh.wall <= limit))
	tw.Flush()
	f.printScanShare()
}

// printScanShare reports the outside scan apart: its wall time, its share
// of the full sweep, and CPU per probed port.
func (f *swFigures) printScanShare() {
	if f.full.wall == 0 || f.host.wall == 0 {
		fmt.Println("outside scan: not measured")
		return
	}
	scanWall := f.full.wall - f.host.wall
	ports := f.full.ports - f.host.ports
	fmt.Printf("outside scan (c - b): %s, %.0f%% of the full sweep; %d more ports probed (%d probes with retries)\n",
		scanWall, 100*ratio(scanWall, f.full.wall), ports, f.full.probes-f.host.probes)
	if f.full.ports > 0 && ports > 0 {
		fmt.Printf("CPU per probed port: machine %.2f µs over the full sweep, %.2f µs marginal ((c - b) / extra ports); ck8sctl's own %.2f µs marginal\n",
			perPort(f.full.cpuMachine, f.full.ports), perPort(f.full.cpuMachine-f.host.cpuMachine, ports),
			perPort(f.full.cpuProc-f.host.cpuProc, ports))
	}
	fmt.Printf("the host side of the black-holed sweep ran with --connect-timeout %s; the others with the default; every probe stays within %s=%s\n",
		bhConnectTimeout, fence.Env, os.Getenv(fence.Env))
}

func (f *swFigures) printProblems() {
	for _, x := range []struct {
		name string
		r    *swRun
	}{{"(b) host side", &f.host}, {"(b) all at once", f.all}, {"(b) all at once, longer connect timeout", f.allLong}, {"(c) full", &f.full}, {"(c) default host deadline", f.fullDefault}, {"(f) black-holed", &f.bh}, {"(b) subset", f.subHost}, {"(c) subset", f.subFull}} {
		if x.r == nil || len(x.r.problems) == 0 {
			continue
		}
		fmt.Printf("\n%s: the report differs from the lab on %d point(s):\n  %s\n", x.name, len(x.r.problems), strings.Join(x.r.problems, "\n  "))
	}
	for _, e := range f.failed {
		fmt.Printf("\nnot measured: %s\n", e)
	}
	if a := f.ansible; a != nil {
		fmt.Printf("Ansible --check: %d of %d hosts would change (%s); %d of the drifted hosts among them\n",
			len(a.changed), f.ansN, sample(a.changed), a.changedDrifted)
	}
}

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

func perPort(cpu time.Duration, ports int) float64 {
	return float64(cpu.Microseconds()) / float64(ports)
}

func mib(kib int64) string {
	if kib == 0 {
		return ""
	}
	return fmt.Sprintf("%.1f MiB", float64(kib)/1024)
}

func yes(b bool) string { return map[bool]string{true: "yes", false: "no"}[b] }
