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
type hostCPU struct {
	cpu, wall time.Duration
	ratio     float64
}

// hostCPUBench measures the host-side CPU of one run per host (issue 15):
// `ssh host true` (the floor), the first bootstrap with the agent upload,
// harden apply+confirm and the no-drift re-run, for bin/ck8sctl and, when
// baseline names another build, for that one in the same run on the same
// lab. The figure is what the lab hosts' sshd reaped: utime+stime of every
// finished session and its children (cutime+cstime of the listener), so
// it leaves out the orchestrator and any other load on the machine. The
// firewall's watchdog is detached (not sshd's child) and not in it.
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
	floor, err := hostCPUOf(l, reps, nil, sshFloor)
	if err != nil {
		return err
	}
	builds := []string{self}
	if baseline != "" {
		builds = []string{baseline, self}
	}
	res := map[string][3]hostCPU{}
	for _, b := range builds {
		if res[b], err = hostCPUBuild(ctx, l, b, backend, reps, sshFloor); err != nil {
			return fmt.Errorf("%s: %w", b, err)
		}
	}
	printHostCPU(floor, builds, res, hosts, reps, stealSince(start))
	if baseline != "" {
		fmt.Printf("baseline: %s\n", baseline)
	}
	return nil
}

// hostCPUBuild measures one build: first bootstrap (agent and firewall
// state wiped before each), apply+confirm (firewall reset before each),
// re-run (after one untimed re-run, so the guard has its stamp).
func hostCPUBuild(ctx context.Context, l *lab.Lab, self, backend string, reps int, floor func() (time.Duration, error)) ([3]hostCPU, error) {
	var out [3]hostCPU
	r := &hardenRunner{self: self, lab: l, backend: backend}
	pb, err := r.playbookFor(l.Hosts)
	if err != nil {
		return out, err
	}
	n := len(l.Hosts)
	steps := []struct {
		reset func() error
		run   func() (time.Duration, error)
	}{
		{func() error { return errors.Join(wipeAgents(ctx, l, l.Hosts), fwReset(ctx, l, l.Hosts)) },
			func() (time.Duration, error) { d, _, err := bootstrap(self, pb, n); return d, err }},
		{func() error { return fwReset(ctx, l, l.Hosts) },
			func() (time.Duration, error) { d, _, err := r.run(ctx, pb, n, true); return d, err }},
		{nil, func() (time.Duration, error) { d, _, err := r.run(ctx, pb, n, false); return d, err }},
	}
	// The agent of this build in place, from hosts without the rules.
	if err := fwReset(ctx, l, l.Hosts); err != nil {
		return out, err
	}
	if _, _, err := r.run(ctx, pb, n, true); err != nil {
		return out, err
	}
	for i, s := range steps {
		if s.reset == nil {
			time.Sleep(2500 * time.Millisecond) // the agent file two seconds old: the guard stamps it
			if _, err := s.run(); err != nil {
				return out, err
			}
		}
		var err error
		out[i], err = hostCPUOf(l, reps, floor, s.run, s.reset)
		if err != nil {
			return out, err
		}
	}
	return out, nil
}

// hostCPUOf runs f reps times (reset first, then floor, both untimed
// here) and returns the medians of the host-side CPU per host, of the
// wall time f reports (the run's own, without the checks of its outcome
// that follow it: until session 13 it included them, four `ck8sctl
// events` processes, about 120 ms of a 10-host re-run's 500) and of its
// ratio to floor's wall. A nil floor measures f against itself.
func hostCPUOf(l *lab.Lab, reps int, floor, f func() (time.Duration, error), reset ...func() error) (hostCPU, error) {
	var cpus, walls []time.Duration
	var ratios []float64
	for range reps {
		for _, r := range reset {
			if r != nil {
				if err := r(); err != nil {
					return hostCPU{}, err
				}
			}
		}
		ref := time.Duration(0)
		if floor != nil {
			var err error
			if ref, err = floor(); err != nil {
				return hostCPU{}, err
			}
			time.Sleep(300 * time.Millisecond) // its sessions reaped before the count starts
		}
		before, err := sshdReaped(l)
		if err != nil {
			return hostCPU{}, err
		}
		wall, err := f()
		if err != nil {
			return hostCPU{}, err
		}
		walls = append(walls, wall)
		if ref == 0 {
			ref = wall
		}
		ratios = append(ratios, float64(wall)/float64(ref))
		time.Sleep(300 * time.Millisecond) // the listener reaps the last sessions
		after, err := sshdReaped(l)
		if err != nil {
			return hostCPU{}, err
		}
		cpus = append(cpus, (after-before)/time.Duration(len(l.Hosts)))
	}
	slices.Sort(ratios)
	return hostCPU{cpu: medianOf(cpus), wall: medianOf(walls), ratio: ratios[len(ratios)/2]}, nil
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
