package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// hostCPU is one measured kind of work: the host side's CPU per host
// (every lab host's sshd and what it started: the logins, the agent and
// its programs) and the wall time, medians over the reps, and the median
// of each rep's wall over the floor's measured just before it: the
// machine's speed drifts by 15 % between minutes, which a floor measured
// once at the start put into every ratio.
//
// machine is the whole machine's busy CPU per host while the work ran
// (every process, ck8sctl and the kernel included). Work that keeps the
// lab's cores busy takes about that times the hosts over the cores in
// wall time (a 10-host first bootstrap: 339 ms a host, 1.70 s on two
// cores, 1.78 s measured), so it is what a wall ratio's target asks of
// the hosts and ck8sctl together. At 10 hosts the floor does not keep
// them busy (it waits on round trips); at 50 it does, and the wall ratio
// tends to the machine ratio (hack/bench/README.md, eleventh pass).
type hostCPU struct {
	cpu, machine, wall time.Duration
	ratio              float64
	// floor is the median of the floors measured next to the reps (what
	// ratio divides by; the floor row's wall is measured apart, at the
	// start, and differs by tens of percent).
	floor time.Duration
}

// cpuSamples are the reps of one kind of work, for hostCPU's medians.
type cpuSamples struct {
	cpus, machines, walls, floors []time.Duration
	ratios                        []float64
}

func (s *cpuSamples) median() hostCPU {
	ratios := slices.Sorted(slices.Values(s.ratios))
	h := hostCPU{cpu: medianOf(s.cpus), machine: medianOf(s.machines), wall: medianOf(s.walls), ratio: ratios[len(ratios)/2]}
	if len(s.floors) > 0 {
		h.floor = medianOf(s.floors)
	}
	return h
}

// hostCPUBench measures the host-side CPU of one run per host (issue 15):
// `ssh host true` (the floor), the first bootstrap with the agent upload,
// harden apply+confirm, the no-drift re-run and a bootstrap with the
// agent already in place (what the upload adds), for bin/ck8sctl and, when
// baseline names another build, for that one in the same run on the same
// lab. The figure is what the lab hosts' sshd reaped: utime+stime of every
// finished session and its children (cutime+cstime of the listener), so
// it leaves out the orchestrator and any other load on the machine. The
// firewall's watchdog is detached (not sshd's child) and not in it.
//
// With a baseline the builds take turns, one rep of each kind of work per
// turn, in the order baseline, this build, this build, baseline...: a
// build measured after the other, all its reps in one block, read 0.25 to
// 0.46x worse on the first bootstrap whichever build it was (three runs,
// session 16: the lab's hosts and the machine warm up and fill as a run
// goes on), so the comparisons before session 16, the baseline always
// first, favoured the baseline.
func hostCPUBench(self, baseline string, hosts, index, reps int, backend string) error {
	ctx := context.Background()
	dir, _ := filepath.Abs(".bench/hostcpu-lab")
	fmt.Printf("hostcpu: bringing up a lab of %d hosts (index %d)...\n", hosts, index)
	l, err := lab.Up(ctx, lab.Options{Dir: dir, Hosts: hosts, Index: index, ListenerArgv: []string{self, "lab", "listen"}})
	if err != nil {
		return err
	}
	defer lab.Down(ctx, dir)
	sshFloor := func() (time.Duration, error) { return sshTrue(l, l.Hosts) }
	start, err := readCPUTimes()
	if err != nil {
		return err
	}
	var floor cpuSamples
	if err := hostCPUOf(&floor, l, reps, nil, sshFloor); err != nil {
		return err
	}
	builds := []string{self}
	turns, per := 1, reps
	if baseline != "" {
		builds = []string{baseline, self}
		turns, per = reps, 1
	}
	samples := map[string]*[works]cpuSamples{}
	for _, b := range builds {
		samples[b] = &[works]cpuSamples{}
	}
	for turn := range turns {
		order := builds
		if turn%2 == 1 {
			order = []string{builds[len(builds)-1], builds[0]}
		}
		for _, b := range order {
			if err := hostCPUBuild(ctx, l, b, backend, per, sshFloor, samples[b]); err != nil {
				return fmt.Errorf("%s: %w", b, err)
			}
		}
	}
	res := map[string][works]hostCPU{}
	for _, b := range builds {
		for i := range samples[b] {
			r := res[b]
			r[i] = samples[b][i].median()
			res[b] = r
		}
	}
	printHostCPU(floor.median(), builds, res, hosts, reps, stealSince(start))
	if baseline != "" {
		fmt.Printf("baseline: %s (the builds took turns: baseline, this build, this build, baseline...)\n", baseline)
	}
	return nil
}

// works is how many kinds of work the section measures: first bootstrap,
// apply+confirm, re-run, and a bootstrap with the agent in place.
const works = 4

// hostCPUBuild measures one build, reps of each kind of work into out
// (first bootstrap, apply+confirm, re-run, bootstrap with the agent in
// place), in the order apply+confirm (firewall reset before each),
// re-run, bootstrap with the agent in place (firewall reset), first
// bootstrap (agent and firewall state wiped before each): all but the
// last run an agent whose guard stamp is written (it takes a file two
// seconds old, see bootstrap.Command), as on a host between runs, not one
// uploaded a moment before, which the guard would hash.
//
// The bootstrap with the agent in place does all a first bootstrap does
// but the upload (the copy, its decompression and hash, a new binary's
// first start): what no smaller agent could take away (issue 15's first
// bootstrap target, hack/bench/README.md).
func hostCPUBuild(ctx context.Context, l *lab.Lab, self, backend string, reps int, floor func() (time.Duration, error), out *[works]cpuSamples) error {
	r := &hardenRunner{self: self, lab: l, backend: backend}
	pb, err := r.playbookFor(l.Hosts)
	if err != nil {
		return err
	}
	n := len(l.Hosts)
	resetFW := func() error { return fwReset(ctx, l, l.Hosts) }
	boot := func() (time.Duration, error) { d, _, err := bootstrap(self, pb, n); return d, err }
	steps := []struct {
		reset func() error
		run   func() (time.Duration, error)
	}{
		{func() error { return errors.Join(wipeAgents(ctx, l, l.Hosts), resetFW()) }, boot},
		{resetFW, func() (time.Duration, error) { d, _, err := r.run(ctx, pb, n, true); return d, err }},
		{nil, func() (time.Duration, error) { d, _, err := r.run(ctx, pb, n, false); return d, err }},
		{resetFW, boot},
	}
	// The agent of this build in place, from hosts without the rules, and
	// its file two seconds old when a re-run's guard stamps it.
	if err := resetFW(); err != nil {
		return err
	}
	if _, _, err := r.run(ctx, pb, n, true); err != nil {
		return err
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := steps[2].run(); err != nil {
		return err
	}
	for _, i := range []int{1, 2, 3, 0} {
		if i == 2 {
			// One untimed re-run after the applies: the timed ones find
			// what a re-run leaves (the listing and expectation caches),
			// as every no-drift re-run but the first after a change does.
			if _, err := steps[2].run(); err != nil {
				return err
			}
		}
		if err := hostCPUOf(&out[i], l, reps, floor, steps[i].run, steps[i].reset); err != nil {
			return err
		}
	}
	return nil
}

// hostCPUOf runs f reps times (reset first, then floor, both untimed
// here) and adds to out the host-side CPU per host, the wall time f
// reports (the run's own, without the checks of its outcome that follow
// it: until session 13 it included them, four `ck8sctl events`
// processes, about 120 ms of a 10-host re-run's 500) and its ratio to
// floor's wall. A nil floor measures f against itself.
func hostCPUOf(out *cpuSamples, l *lab.Lab, reps int, floor, f func() (time.Duration, error), reset ...func() error) error {
	for range reps {
		for _, r := range reset {
			if r != nil {
				if err := r(); err != nil {
					return err
				}
			}
		}
		ref := time.Duration(0)
		if floor != nil {
			var err error
			if ref, err = floor(); err != nil {
				return err
			}
			time.Sleep(300 * time.Millisecond) // its sessions reaped before the count starts
		}
		before, err := sshdReaped(l)
		if err != nil {
			return err
		}
		machine, err := readCPUTimes()
		if err != nil {
			return err
		}
		wall, err := f()
		if err != nil {
			return err
		}
		busy, err := busySince(machine)
		if err != nil {
			return err
		}
		out.machines = append(out.machines, busy/time.Duration(len(l.Hosts)))
		out.walls = append(out.walls, wall)
		if ref == 0 {
			ref = wall
		} else {
			out.floors = append(out.floors, ref)
		}
		out.ratios = append(out.ratios, float64(wall)/float64(ref))
		time.Sleep(300 * time.Millisecond) // the listener reaps the last sessions
		after, err := sshdReaped(l)
		if err != nil {
			return err
		}
		out.cpus = append(out.cpus, (after-before)/time.Duration(len(l.Hosts)))
	}
	return nil
}

// sshdReaped sums cutime+cstime (fields 16 and 17 of /proc/PID/stat, in
// clock ticks of 10 ms) over the lab hosts' sshd listeners.
func sshdReaped(l *lab.Lab) (time.Duration, error) {
	var ticks int64
	for _, h := range l.Hosts {
		pf := filepath.Join(l.Dir, "hosts", h.Name, "sshd.pid")
		b, err := os.ReadFile(pf)
		if err != nil {
			return 0, err
		}
		// The lab's record is "PID STARTTIME" (orchestrator/lab/proc.go).
		rec := strings.Fields(string(b))
		if len(rec) == 0 {
			return 0, fmt.Errorf("sshd of %s: empty %s", h.Name, pf)
		}
		stat, err := os.ReadFile("/proc/" + rec[0] + "/stat")
		if err != nil {
			return 0, fmt.Errorf("sshd of %s: %w", h.Name, err)
		}
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) < 15 {
			return 0, fmt.Errorf("sshd of %s: cannot parse %q", h.Name, s)
		}
		for _, x := range f[13:15] {
			v, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return 0, fmt.Errorf("sshd of %s: %w", h.Name, err)
			}
			ticks += v
		}
	}
	return time.Duration(ticks) * 10 * time.Millisecond, nil
}
