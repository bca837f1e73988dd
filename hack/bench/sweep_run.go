package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// swRun is one measured `ck8sctl sweep`.
type swRun struct {
	wall time.Duration
	rss  int64 // KiB, the sweep process's peak
	// cpuMachine is the machine's busy CPU time over the run (/proc/stat:
	// everything but idle and iowait, so the lab hosts' sshd and agents,
	// and whatever else shares the machine); cpuProc is ck8sctl's own
	// (user+sys).
	cpuMachine, cpuProc time.Duration
	ports               int // ports probed: the range's size times the addresses scanned
	probes              int // probes sent, retries included
	exit                int
	problems            []string // where the report differs from what the lab is
}

// swReport is what the bench reads of `ck8sctl sweep -o json`: its own
// copy of the few fields it needs, so the bench keeps compiling while the
// report schema grows.
type swReport struct {
	ExitCode int `json:"exitCode"`
	Hosts    []struct {
		Host     string `json:"host"`
		Verdict  string `json:"verdict"`
		Error    string `json:"error"`
		Findings []struct {
			Code     string `json:"code"`
			Severity string `json:"severity"`
			Message  string `json:"message"`
		} `json:"findings"`
		Duration time.Duration `json:"durationNs"`
		Scan     []struct {
			Target string   `json:"target"`
			Ports  string   `json:"ports"`
			Open   []uint16 `json:"open"`
			Probes int      `json:"probes"`
		} `json:"portScan"`
	} `json:"hosts"`
}

// sweeper runs `ck8sctl sweep` on the lab.
type sweeper struct {
	self  string
	lab   *lab.Lab
	db    string
	forks int // at most the hosts swept
}

// run times one sweep of pb (limited to hosts when they are fewer than
// the lab's) and checks its report against want.
func (s *sweeper) run(ctx context.Context, pb string, hosts []lab.Host, want swWant, extra ...string) (swRun, error) {
	args := []string{"--log-level", "error", "sweep", "-p", pb, "--db", s.db, "-o", "json",
		"--forks", strconv.Itoa(min(s.forks, len(hosts))), "--ssh-kex", kex, "--ssh-config", "none"}
	if len(hosts) < len(s.lab.Hosts) {
		args = append(args, "--limit", strings.Join(names(hosts), ","))
	}
	cmd := exec.CommandContext(ctx, s.self, append(args, extra...)...)
	cmd.WaitDelay = 10 * time.Second
	before, err := machineCPU()
	if err != nil {
		return swRun{}, err
	}
	d, out, stderr, rss, err := timed(cmd)
	after, cpuErr := machineCPU()
	if cpuErr != nil {
		return swRun{}, cpuErr
	}
	r := swRun{wall: d, rss: rss, cpuMachine: after - before}
	if cmd.ProcessState == nil {
		return swRun{}, fmt.Errorf("ck8sctl sweep: %v\n%s", err, tail(stderr, 20))
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpuProc = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var rep swReport
	if jerr := json.Unmarshal(out, &rep); jerr != nil {
		// Exit 1 and 3 are verdicts; anything without a report is a failure.
		return swRun{}, fmt.Errorf("ck8sctl sweep: %v; report: %v\n%s\n%s", err, jerr, tail(out, 20), tail(stderr, 20))
	}
	r.exit = rep.ExitCode
	for _, h := range rep.Hosts {
		for _, f := range h.Scan {
			r.probes += f.Probes
			r.ports += portCount(f.Ports)
		}
	}
	r.problems = want.check(rep, hosts)
	if len(r.problems) > 0 {
		// Keep the report for the reader of the problems.
		p := fmt.Sprintf("%s.report-%d.json", pb, time.Now().Unix())
		if os.WriteFile(p, out, 0o600) == nil {
			r.problems = append(r.problems, "report kept in "+p)
		}
	}
	return r, nil
}

// measure is run reps times; the run with the median wall time is
// reported, with the highest peak RSS of all.
func (s *sweeper) measure(ctx context.Context, reps int, pb string, hosts []lab.Host, want swWant, extra ...string) (swRun, error) {
	var runs []swRun
	var rss int64
	for range reps {
		r, err := s.run(ctx, pb, hosts, want, extra...)
		if err != nil {
			return swRun{}, err
		}
		rss = max(rss, r.rss)
		runs = append(runs, r)
	}
	slices.SortFunc(runs, func(a, b swRun) int { return int(a.wall - b.wall) })
	r := runs[len(runs)/2]
	r.rss, r.wall = rss, r.wall.Round(time.Millisecond)
	return r, nil
}

// swWant is what the lab is: which hosts drift and which are black-holed.
type swWant struct {
	drifted, blackholed []string
	// driftSeen: the scanned range includes the drift's port, so a
	// drifted host has port.unexpected_open as well as firewall.drift.
	driftSeen bool
}

// check compares every host's verdict and critical findings with want.
func (w swWant) check(rep swReport, hosts []lab.Host) []string {
	var problems []string
	got := map[string]bool{}
	for _, h := range rep.Hosts {
		got[h.Host] = true
		var codes []string
		for _, f := range h.Findings {
			if f.Severity == "critical" && !slices.Contains(codes, f.Code) {
				codes = append(codes, f.Code)
			}
		}
		slices.Sort(codes)
		verdict, wantCodes := "compliant", []string(nil)
		switch {
		case slices.Contains(w.blackholed, h.Host):
			verdict = "unreachable"
		case slices.Contains(w.drifted, h.Host):
			verdict, wantCodes = "non-compliant", []string{"firewall.drift"}
			if w.driftSeen {
				wantCodes = append(wantCodes, "port.unexpected_open")
			}
		}
		if h.Verdict != verdict || (verdict != "unreachable" && !slices.Equal(codes, wantCodes)) {
			problems = append(problems, fmt.Sprintf("%s: %s %v (want %s %v)%s", h.Host, h.Verdict, codes, verdict, wantCodes, errNote(h.Error)))
		}
	}
	for _, h := range hosts {
		if !got[h.Name] {
			problems = append(problems, h.Name+": missing from the report")
		}
	}
	if len(rep.Hosts) != len(hosts) {
		problems = append(problems, fmt.Sprintf("the report has %d hosts, want %d", len(rep.Hosts), len(hosts)))
	}
	return problems
}

func errNote(s string) string {
	if s == "" {
		return ""
	}
	return ": " + s
}

// portCount is the number of ports in a list as the report writes it
// ("1-65535", "22,80,443"); 0 when it cannot be read.
func portCount(s string) int {
	n := 0
	for _, part := range splitComma(s) {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.Atoi(lo)
		if err != nil {
			return 0
		}
		b := a
		if isRange {
			if b, err = strconv.Atoi(hi); err != nil {
				return 0
			}
		}
		n += b - a + 1
	}
	return n
}

// machineCPU is the machine's busy CPU time so far, from the first line of
// /proc/stat (user nice system idle iowait irq softirq steal, in USER_HZ,
// which is 100 on Linux): all but idle and iowait.
func machineCPU() (time.Duration, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, fmt.Errorf("/proc/stat: empty")
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 9 || fields[0] != "cpu" {
		return 0, fmt.Errorf("/proc/stat: unexpected first line %q", sc.Text())
	}
	var busy int64
	for i, s := range fields[1:9] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc/stat: %w", err)
		}
		if i != 3 && i != 4 { // idle, iowait
			busy += v
		}
	}
	return time.Duration(busy) * 10 * time.Millisecond, nil
}
