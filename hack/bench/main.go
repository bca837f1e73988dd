// Command bench measures ck8sctl on the local lab against the raw lower
// bound of OpenSSH: `ssh host true` to the same hosts, in parallel, with the
// same key exchange. It prints wall times, ratios, the agent's size and the
// orchestrator's peak memory. Run it with `make bench` (root, after make
// build); it creates and removes its own lab.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

const kex = "curve25519-sha256"

func main() {
	sizes := flag.String("hosts", "1,10,50", "host counts to measure")
	index := flag.Int("index", 250, "lab index (subnet 198.18.INDEX.0/24)")
	reps := flag.Int("reps", 3, "repetitions per measurement (the median is reported)")
	ssh := flag.Bool("ssh", true, "run the bootstrap vs ssh section")
	scan := flag.Bool("scan", true, "run the port scan vs nmap section (lab index INDEX-1)")
	dns := flag.Bool("dns", true, "run the DNS preflight section (lab index INDEX-2)")
	fw := flag.Bool("firewall", true, "run the firewall section: ck8sctl harden vs Ansible (own lab, random free index)")
	fwIndex := flag.Int("firewall-index", 0, "lab index of the firewall section (0: a random free one)")
	fwForks := flag.Int("ansible-forks", 10, "Ansible forks in the firewall section")
	fwReps := flag.Int("ansible-reps", 1, "repetitions of each Ansible measurement (50 hosts take minutes a run)")
	fwBackend := flag.String("firewall-backend", "iptables", "firewall.backend of ck8sctl's playbook in the firewall section")
	fwAnsible := flag.Bool("firewall-ansible", true, "run the Ansible side of the firewall section (false: ck8sctl only, minutes instead of an hour)")
	sweep := flag.Bool("sweep", false, "run the sweep section: ck8sctl sweep vs ssh true and Ansible --check on -sweep-hosts hosts (own lab; about an hour at 200)")
	serveSection := flag.Bool("serve", false, "run the serve section: a scheduled sweep of -serve-hosts lab hosts by ck8sctl serve (fire to first step, memory)")
	fleet := flag.Bool("fleet", false, "run the fleet section: -fleet-hosts lab hosts swept on a schedule by -replicas-count replicas on one PostgreSQL")
	replicas := flag.Bool("replicas", false, "run the replicas section: serve replicas on one PostgreSQL under a webhook load")
	hostcpu := flag.Bool("hostcpu", true, "run the hostcpu section: host-side CPU per host of bootstrap (with and without the upload), apply+confirm and re-run against ssh true (own lab, index INDEX-3)")
	// 50: the scale the targets are stated for, where the floor
	// keeps the cores busy as the work does (10 shows a latency-bound
	// floor and flatters the ratios; hack/bench/README.md, eleventh pass).
	hostcpuHosts := flag.Int("hostcpu-hosts", 50, "lab hosts in the hostcpu section")
	hostcpuBase := flag.String("hostcpu-baseline", "", "another ck8sctl build measured in the hostcpu section in the same run (before/after)")
	flag.Parse()
	benchIndex = *index
	if *ssh {
		if err := run(*sizes, *index, *reps); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if *scan {
		self, _ := filepath.Abs("bin/ck8sctl")
		if err := scanBench(self, *index-1); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
	}
	if *dns {
		if err := benchDNS(*index-2, *reps); err != nil {
			fmt.Fprintln(os.Stderr, "bench: dns:", err)
			os.Exit(1)
		}
	}
	if *fw {
		self, _ := filepath.Abs("bin/ck8sctl")
		ns, err := parseSizes(*sizes)
		if err == nil {
			err = firewallBench(fwOptions{self: self, sizes: ns, index: *fwIndex, reps: *reps, ansibleReps: *fwReps, ansibleForks: *fwForks,
				backend: *fwBackend, playbook: "hack/bench/ansible/firewall.yml", ansible: *fwAnsible})
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: firewall:", err)
			os.Exit(1)
		}
	}
	if *hostcpu {
		self, _ := filepath.Abs("bin/ck8sctl")
		if err := hostCPUBench(self, *hostcpuBase, *hostcpuHosts, *index-3, *reps, *fwBackend); err != nil {
			fmt.Fprintln(os.Stderr, "bench: hostcpu:", err)
			os.Exit(1)
		}
	}
	if *serveSection {
		self, _ := filepath.Abs("bin/ck8sctl")
		if err := serveBench(self); err != nil {
			fmt.Fprintln(os.Stderr, "bench: serve:", err)
			os.Exit(1)
		}
	}
	if *replicas {
		self, _ := filepath.Abs("bin/ck8sctl")
		if err := replicasBench(self); err != nil {
			fmt.Fprintln(os.Stderr, "bench: replicas:", err)
			os.Exit(1)
		}
	}
	if *fleet {
		self, _ := filepath.Abs("bin/ck8sctl")
		if err := fleetBench(self); err != nil {
			fmt.Fprintln(os.Stderr, "bench: fleet:", err)
			os.Exit(1)
		}
	}
	if *sweep {
		self, _ := filepath.Abs("bin/ck8sctl")
		if err := sweepBench(sweepOptions(self, *fwBackend)); err != nil {
			fmt.Fprintln(os.Stderr, "bench: sweep:", err)
			os.Exit(1)
		}
	}
}

func run(sizes string, index, reps int) error {
	ns, err := parseSizes(sizes)
	if err != nil {
		return err
	}
	maxN := ns[len(ns)-1]
	dir, _ := filepath.Abs(".bench/lab")
	self, _ := filepath.Abs("bin/ck8sctl")
	ctx := context.Background()
	fmt.Printf("bringing up a lab of %d hosts...\n", maxN)
	start := time.Now()
	l, err := lab.Up(ctx, lab.Options{Dir: dir, Hosts: maxN, Index: index, ListenerArgv: []string{self, "lab", "listen"}})
	if err != nil {
		return err
	}
	defer lab.Down(ctx, dir)
	fmt.Printf("lab up in %s\n\n", time.Since(start).Round(time.Millisecond))

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hosts\tssh true (OpenSSH)\tbootstrap, first (upload)\tbootstrap, again\tratio again/ssh\tratio first/ssh\tpeak RSS\t")
	for _, n := range ns {
		hosts := l.Hosts[:n]
		pb, err := playbook(l, hosts)
		if err != nil {
			return err
		}
		sshT := median(reps, func() (time.Duration, error) { return sshTrue(l, hosts) })
		var rss int64
		first := median(reps, func() (time.Duration, error) {
			if err := wipeAgents(ctx, l, hosts); err != nil {
				return 0, err
			}
			d, r, err := bootstrap(self, pb, n)
			rss = max(rss, r)
			return d, err
		})
		again := median(reps, func() (time.Duration, error) {
			d, r, err := bootstrap(self, pb, n)
			rss = max(rss, r)
			return d, err
		})
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.2fx\t%.2fx\t%.1f MiB\t\n", n, sshT, first, again,
			float64(again)/float64(sshT), float64(first)/float64(sshT), float64(rss)/1024)
	}
	tw.Flush()
	for _, a := range []string{"amd64", "arm64"} {
		if st, err := os.Stat("bin/ck8s-agent-linux-" + a); err == nil {
			fmt.Printf("agent linux/%s: %.1f MB (stripped, static)\n", a, float64(st.Size())/1e6)
		}
		if st, err := os.Stat("bin/ck8s-agent-light-linux-" + a); err == nil {
			fmt.Printf("agent linux/%s, light (no manifests step): %.1f MB\n", a, float64(st.Size())/1e6)
		}
	}
	fmt.Printf("key exchange on both sides: %s; targets: 50 hosts within 2x of ssh true, agent under 15 MB\n", kex)
	return nil
}

func parseSizes(s string) ([]int, error) {
	var ns []int
	for _, f := range splitComma(s) {
		var n int
		if _, err := fmt.Sscan(f, &n); err != nil || n < 1 || n > lab.MaxHosts {
			return nil, fmt.Errorf("--hosts: bad count %q", f)
		}
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns, nil
}

func median(reps int, f func() (time.Duration, error)) time.Duration {
	var ds []time.Duration
	for range reps {
		d, err := f()
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench: measurement failed:", err)
			os.Exit(1)
		}
		ds = append(ds, d)
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2].Round(time.Millisecond)
}

// sshTrue is the lower bound: one OpenSSH login per host, all at once.
func sshTrue(l *lab.Lab, hosts []lab.Host) (time.Duration, error) {
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, len(hosts))
	for _, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out, err := exec.Command("ssh", "-i", l.KeyFile, "-o", "UserKnownHostsFile="+l.KnownHostsFile,
				"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "KexAlgorithms="+kex,
				"-o", "ControlMaster=no", "-o", "ControlPath=none", "-F", "/dev/null",
				"root@"+h.Addr4.String(), "true").CombinedOutput()
			if err != nil {
				errs <- fmt.Errorf("ssh %s: %v: %s", h.Name, err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return time.Since(start), <-errs
}

func bootstrap(self, pb string, n int) (time.Duration, int64, error) {
	cmd := exec.Command(self, "--log-level", "error", "bootstrap", "-p", pb, "--db", pb+".db",
		"--forks", fmt.Sprint(n), "--ssh-kex", kex, "-o", "json")
	start := time.Now()
	out, err := cmd.Output()
	d := time.Since(start)
	if err != nil {
		return 0, 0, fmt.Errorf("ck8sctl bootstrap: %v\n%s", err, out)
	}
	var rep struct{ ExitCode int }
	if err := json.Unmarshal(out, &rep); err != nil || rep.ExitCode != 0 {
		return 0, 0, fmt.Errorf("ck8sctl bootstrap: exit %d %v", rep.ExitCode, err)
	}
	rss := cmd.ProcessState.SysUsage().(*syscall.Rusage).Maxrss
	return d, rss, nil
}

func wipeAgents(ctx context.Context, l *lab.Lab, hosts []lab.Host) error {
	for _, h := range hosts {
		if out, err := l.Exec(ctx, h, "rm", "-rf", "/var/lib/ck8s/bin"); err != nil {
			return fmt.Errorf("%s: %v %s", h.Name, err, out)
		}
	}
	return nil
}
