package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

var (
	scanCases    = flag.String("scan-cases", "drop,drop46,reject,drop10,drop50", "cases of the port scan section: drop, drop46 (one DROP host, IPv4 and IPv6), reject, drop10, drop50 (50 DROP hosts, IPv4 and IPv6; nmap on 5)")
	scanReps     = flag.Int("scan-reps", 1, "runs of each scan case, ck8sctl and nmap alternating (the median is reported)")
	scanBinary   = flag.String("scan-binary", "", "the ck8sctl binary to time (default bin/ck8sctl)")
	scanBaseline = flag.String("scan-baseline", "", "another ck8sctl binary to time in the same run (before/after)")
)

// scanBench compares `ck8sctl scan` of every port with `nmap -p- -T4 -n
// -Pn` on lab hosts behind a DROP policy, behind a REJECT (reset) policy,
// and ten DROP hosts at once. Both must find the same open ports.
func scanBench(self string, index int) error {
	if _, err := exec.LookPath("nmap"); err != nil {
		return fmt.Errorf("scan bench needs nmap (make deps): %w", err)
	}
	if *scanBinary != "" {
		self = *scanBinary
	}
	dir, _ := filepath.Abs(".bench/scanlab")
	ctx := context.Background()
	want := strings.Split(*scanCases, ",")
	n := 2
	if slices.Contains(want, "drop10") {
		n = 11
	}
	if slices.Contains(want, "drop50") {
		n = 51
	}
	fmt.Printf("\n== port scan: ck8sctl scan vs nmap -p- -T4 -n -Pn ==\nbringing up a lab of %d hosts...\n", n)
	l, err := lab.Up(ctx, lab.Options{Dir: dir, Hosts: n, Index: index, ListenerArgv: []string{self, "lab", "listen"}})
	if err != nil {
		return err
	}
	defer lab.Down(ctx, dir)
	fmt.Printf("load average before: %s\n", loadavg())
	for i, h := range l.Hosts {
		if err := benchFirewall(ctx, l, h, i == 1); err != nil {
			return err
		}
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\tck8sctl scan\tnmap -T4\tratio nmap/ck8sctl\tsame open set\tck8sctl peak RSS\tck8sctl CPU per port\t")
	for _, c := range benchCases(l.Hosts, want) {
		if err := scanCase(tw, self, c); err != nil {
			return err
		}
	}
	tw.Flush()
	fmt.Println("targets: 1 DROP host both families < 2 s, REJECT no slower than nmap, 50 DROP hosts v4+v6 < 60 s at <= 15 µs CPU per port, same open sets as nmap")
	return nil
}

type scanBenchCase struct {
	name  string
	hosts []lab.Host
	both  bool       // IPv6 addresses too
	nmap  []lab.Host // hosts nmap scans (IPv4), if not all
}

// addrs are the addresses ck8sctl scans.
func (c scanBenchCase) addrs() []string {
	var out []string
	for _, h := range c.hosts {
		out = append(out, h.Addr4.String())
		if c.both {
			out = append(out, h.Addr6.String())
		}
	}
	return out
}

func (c scanBenchCase) nmapAddrs() []string {
	hs := c.nmap
	if hs == nil {
		hs = c.hosts
	}
	var out []string
	for _, h := range hs {
		out = append(out, h.Addr4.String())
	}
	return out
}

// benchCases picks the wanted cases: host 0 drops, host 1 rejects, hosts
// 0 and 2..10 are the ten DROP hosts.
func benchCases(hosts []lab.Host, want []string) []scanBenchCase {
	var out []scanBenchCase
	if slices.Contains(want, "drop") {
		out = append(out, scanBenchCase{name: "1 DROP host", hosts: hosts[:1]})
	}
	if slices.Contains(want, "reject") {
		out = append(out, scanBenchCase{name: "1 REJECT host", hosts: hosts[1:2]})
	}
	if slices.Contains(want, "drop46") {
		out = append(out, scanBenchCase{name: "1 DROP host v4+v6", hosts: hosts[:1], both: true})
	}
	if slices.Contains(want, "drop10") {
		out = append(out, scanBenchCase{name: "10 DROP hosts", hosts: append([]lab.Host{hosts[0]}, hosts[2:min(11, len(hosts))]...)})
	}
	if slices.Contains(want, "drop50") {
		fifty := append([]lab.Host{hosts[0]}, hosts[2:]...)
		out = append(out, scanBenchCase{name: "50 DROP hosts v4+v6 (nmap: 5)", hosts: fifty, both: true, nmap: fifty[:5]})
	}
	return out
}

// scanCase times -scan-reps runs of ck8sctl (and of the baseline binary)
// and of nmap, alternating so that load on a shared machine hits all
// alike, and prints the medians.
func scanCase(tw *tabwriter.Writer, self string, c scanBenchCase) error {
	name, addrs := c.name, c.addrs()
	var ours, base, theirs, oursCPU, baseCPU, theirsCPU []time.Duration
	var rss int64
	same := true
	for range max(1, *scanReps) {
		d, r, ourOpen, err := ck8sctlScan(self, addrs)
		if err != nil {
			return err
		}
		ours, rss, oursCPU = append(ours, d), max(rss, r), append(oursCPU, lastCPU)
		if *scanBaseline != "" {
			d, _, baseOpen, err := ck8sctlScan(*scanBaseline, addrs)
			if err != nil {
				return err
			}
			base, baseCPU = append(base, d), append(baseCPU, lastCPU)
			same = same && equalSets(ourOpen, baseOpen)
		}
		d, theirOpen, err := nmapScan(c.nmapAddrs())
		if err != nil {
			return err
		}
		theirs, theirsCPU = append(theirs, d), append(theirsCPU, lastCPU)
		if !equalSets(only(ourOpen, c.nmapAddrs()), theirOpen) {
			same = false
			fmt.Fprintf(tw, "\tck8sctl: %v\tnmap: %v\t\t\t\t\n", ourOpen, theirOpen)
		}
	}
	o, t := medianOf(ours), medianOf(theirs)
	perPort := float64(medianOf(oursCPU).Microseconds()) / float64(65535*len(addrs))
	fmt.Fprintf(tw, "%s\t%s\t%s\t%.2fx\t%v\t%.1f MiB\t%.1f µs\t\n", name, o.Round(time.Millisecond), t.Round(time.Millisecond),
		float64(t)/float64(o), same, float64(rss)/1024, perPort)
	if len(base) > 0 {
		b := medianOf(base)
		fmt.Fprintf(tw, "%s (baseline %s)\t%s\t%s\t%.2fx\t\t\t\n", name, filepath.Base(*scanBaseline), b.Round(time.Millisecond),
			t.Round(time.Millisecond), float64(t)/float64(b))
	}
	fmt.Fprintf(tw, "\tCPU (user+sys) %s\t%s\t\t\t\t\t\n", medianOf(oursCPU).Round(time.Millisecond), medianOf(theirsCPU).Round(time.Millisecond))
	if len(base) > 0 {
		fmt.Fprintf(tw, "\tbaseline CPU %s\t\t\t\t\t\n", medianOf(baseCPU).Round(time.Millisecond))
		fmt.Fprintf(tw, "\tbaseline runs: %v\t\t\t\t\t\n", base)
	}
	if len(ours) > 1 {
		fmt.Fprintf(tw, "\truns: %v\tnmap: %v\t\t\t\t\n", ours, theirs)
	}
	return nil
}

// benchFirewall lets sshd, 80 and 443 in and drops (or resets) the rest,
// so the decoys on 5432, 6443, ... are shielded.
func benchFirewall(ctx context.Context, l *lab.Lab, h lab.Host, reject bool) error {
	rules := [][]string{
		{"-A", "INPUT", "-i", "lo", "-j", "ACCEPT"},
		{"-A", "INPUT", "-m", "conntrack", "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT"},
		{"-A", "INPUT", "-p", "tcp", "-m", "multiport", "--dports", fmt.Sprintf("%d,80,443", h.Port), "-j", "ACCEPT"},
	}
	if reject {
		rules = append(rules, []string{"-A", "INPUT", "-p", "tcp", "-j", "REJECT", "--reject-with", "tcp-reset"})
	}
	rules = append(rules, []string{"-P", "INPUT", "DROP"})
	for _, ipt := range []string{"iptables", "ip6tables"} {
		rs := rules
		if ipt == "ip6tables" { // neighbour discovery, before the policy
			rs = append(slices.Clone(rules[:len(rules)-1]), []string{"-A", "INPUT", "-p", "ipv6-icmp", "-j", "ACCEPT"}, rules[len(rules)-1])
		}
		for _, r := range rs {
			if out, err := l.Exec(ctx, h, append([]string{ipt}, r...)...); err != nil {
				return fmt.Errorf("%s on %s: %v: %s", ipt, h.Name, err, out)
			}
		}
	}
	return nil
}

// cpuOf is the user and system CPU time of a finished command: on a
// loaded machine it is steadier than the wall time.
func cpuOf(cmd *exec.Cmd) time.Duration {
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
}

func ck8sctlScan(self string, addrs []string) (time.Duration, int64, map[string][]int, error) {
	cmd := exec.Command(self, append([]string{"scan", "-o", "json", "--expect", "22,80,443"}, addrs...)...)
	start := time.Now()
	out, err := cmd.Output()
	d := time.Since(start)
	if err != nil && cmd.ProcessState.ExitCode() != 1 {
		return 0, 0, nil, fmt.Errorf("ck8sctl scan: %v\n%s", err, out)
	}
	var rep struct {
		Targets []struct {
			Target string
			Open   []int
		}
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return 0, 0, nil, fmt.Errorf("ck8sctl scan output: %v", err)
	}
	open := map[string][]int{}
	for _, t := range rep.Targets {
		open[t.Target] = t.Open
	}
	lastCPU = cpuOf(cmd)
	return d, cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss, open, nil
}

var nmapHost = regexp.MustCompile(`Host: (\S+) .*Ports: (.*)`)

func nmapScan(addrs []string) (time.Duration, map[string][]int, error) {
	cmd := exec.Command("nmap", append([]string{"-p-", "-T4", "-n", "-Pn", "-oG", "-"}, addrs...)...)
	start := time.Now()
	out, err := cmd.Output()
	d := time.Since(start)
	if err != nil {
		return 0, nil, fmt.Errorf("nmap: %v\n%s", err, out)
	}
	open := map[string][]int{}
	for _, line := range strings.Split(string(out), "\n") {
		m := nmapHost.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		for _, p := range strings.Split(m[2], ",") {
			f := strings.Split(strings.TrimSpace(p), "/")
			if len(f) > 1 && f[1] == "open" {
				n, _ := strconv.Atoi(f[0])
				open[m[1]] = append(open[m[1]], n)
			}
		}
	}
	lastCPU = cpuOf(cmd)
	return d, open, nil
}

// lastCPU is the CPU time of the last scan command run.
var lastCPU time.Duration

// only keeps the addresses of open that are in addrs.
func only(open map[string][]int, addrs []string) map[string][]int {
	out := map[string][]int{}
	for _, a := range addrs {
		if p, ok := open[a]; ok {
			out[a] = p
		}
	}
	return out
}

func equalSets(a, b map[string][]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w := slices.Clone(b[k])
		slices.Sort(w)
		if !slices.Equal(v, w) {
			return false
		}
	}
	return true
}

func medianOf(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
