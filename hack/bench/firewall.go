package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// The firewall section: `ck8sctl harden` (apply + confirm over a new SSH
// connection, then a no-drift re-run) against the same profile written as
// an Ansible playbook (hack/bench/ansible/firewall.yml, ansible-core from
// Debian, ansible.builtin.iptables), on the same lab, for 1, 10 and 50 hosts.
// Before every first apply the hosts' owned rules are removed, so both tools
// start from the same state. Target (issue 4): ck8sctl at least 10x faster
// than Ansible on 50 hosts, for the first apply and for the re-run.

// fwOptions are the section's flags.
type fwOptions struct {
	self         string // bin/ck8sctl
	sizes        []int
	index        int // 0: a random free index
	reps         int // ck8sctl
	ansibleReps  int
	ansibleForks int
	backend      string // the playbook's firewall.backend for ck8sctl
	playbook     string // the Ansible playbook
	ansible      bool   // false: measure ck8sctl only
}

// fwTiming is one tool's numbers for one host count.
type fwTiming struct {
	apply, again time.Duration
	rss          int64 // KiB, ck8sctl only
	exposure     string
	rules        string // the first host's owned rules after the apply (ownedRules)
}

func firewallBench(o fwOptions) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if _, err := exec.LookPath("ansible-playbook"); err != nil && o.ansible {
		return fmt.Errorf("the firewall bench needs ansible-core (make deps-bench, or: apt-get install -y ansible-core): %w", err)
	}
	pbAbs, err := filepath.Abs(o.playbook)
	if err != nil {
		return err
	}
	if _, err := os.Stat(pbAbs); err != nil {
		return fmt.Errorf("ansible playbook: %w", err)
	}
	o.playbook = pbAbs
	hardenOK, why := hardenAvailable(o.self)
	if !hardenOK && !o.ansible {
		return fmt.Errorf("nothing to measure: ck8sctl harden is not available (%s) and -firewall-ansible=false", why)
	}

	maxN := o.sizes[len(o.sizes)-1]
	fmt.Printf("\n== firewall: ck8sctl harden vs Ansible (ansible.builtin.iptables, forks %d) ==\n", o.ansibleForks)
	if !hardenOK {
		fmt.Printf("ck8sctl harden is not available (%s): measuring the Ansible side only\n", why)
	}
	l, err := fwLabUp(ctx, o, maxN)
	if err != nil {
		return err
	}
	defer func() {
		// Not ctx: after Ctrl-C the lab must still come down.
		dctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		if err := lab.Down(dctx, l.Dir); err != nil {
			fmt.Fprintln(os.Stderr, "bench: firewall: lab down:", err)
			return
		}
		os.RemoveAll(l.Dir)
	}()

	an := &ansibleRunner{lab: l, playbook: o.playbook, forks: o.ansibleForks, reps: o.ansibleReps}
	var warm []string
	if o.ansible {
		warm = append(warm, "Ansible on 1 host")
	}
	if hardenOK {
		warm = append(warm, fmt.Sprintf("ck8sctl harden on %d (agent upload)", maxN))
	}
	fmt.Println("warm-up (not timed): " + strings.Join(warm, ", "))
	if err := fwReset(ctx, l, l.Hosts); err != nil {
		return err
	}
	if o.ansible {
		if _, err := an.run(ctx, l.Hosts[:1], wantChanged); err != nil {
			return fmt.Errorf("ansible warm-up: %w", err)
		}
	}
	var ck *hardenRunner
	if hardenOK {
		ck = &hardenRunner{self: o.self, lab: l, backend: o.backend}
		pb, err := ck.playbookFor(l.Hosts)
		if err != nil {
			return err
		}
		if _, _, err := ck.run(ctx, pb, len(l.Hosts), true); err != nil {
			return fmt.Errorf("ck8sctl harden warm-up: %w", err)
		}
	}

	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "hosts\tck8sctl apply+confirm\tck8sctl re-run\tAnsible apply\tAnsible re-run\tratio apply (Ansible/ck8sctl)\tratio re-run\tck8sctl peak RSS\tsame exposure\tsame rules\t")
	var notes []string
	for _, n := range o.sizes {
		hosts := l.Hosts[:n]
		var c *fwTiming
		if ck != nil {
			if c, err = ck.measure(ctx, hosts, o.reps); err != nil {
				return err
			}
		}
		row := []string{fmt.Sprint(n), "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a", "n/a"}
		if c != nil {
			row[1], row[2] = c.apply.String(), c.again.String()
			row[7] = fmt.Sprintf("%.1f MiB", float64(c.rss)/1024)
			if c.exposure != fwWantExposure {
				notes = append(notes, fmt.Sprintf("%d hosts: after ck8sctl, %s is open on %s; the profile opens %s", n, hosts[0].Name, c.exposure, fwWantExposure))
			}
		}
		var a *fwTiming
		if o.ansible {
			if a, err = an.measure(ctx, hosts); err != nil {
				return err
			}
			row[3], row[4] = a.apply.String(), a.again.String()
		}
		if c != nil && a != nil {
			row[5] = fmt.Sprintf("%.1fx", float64(a.apply)/float64(c.apply))
			row[6] = fmt.Sprintf("%.1fx", float64(a.again)/float64(c.again))
			row[8] = fmt.Sprint(c.exposure == a.exposure)
			row[9] = fmt.Sprint(c.rules == a.rules)
			if c.exposure != a.exposure {
				notes = append(notes, fmt.Sprintf("%d hosts: open from outside on %s: ck8sctl %s, Ansible %s", n, hosts[0].Name, c.exposure, a.exposure))
			}
			if c.rules != a.rules {
				notes = append(notes, fmt.Sprintf("%d hosts: the rules on %s differ:\n%s", n, hosts[0].Name, ruleDiff(c.rules, a.rules)))
			}
		}
		fmt.Fprintln(tw, strings.Join(row, "\t")+"\t")
		fmt.Fprintf(os.Stderr, "firewall: %d hosts done: ck8sctl %s / %s, Ansible %s / %s (apply / re-run)\n", n, row[1], row[2], row[3], row[4])
	}
	tw.Flush()
	for _, s := range notes {
		fmt.Println(s)
	}
	if o.ansible {
		fmt.Printf("Ansible: %s; exposure of %s after each apply: %s\n", an.describe(), l.Hosts[0].Name, an.lastExposure)
	} else {
		fmt.Println("Ansible: not run (-firewall-ansible=false)")
	}
	fmt.Printf("ck8sctl: median of %d; before every first apply the owned rules (CK8S-INPUT, CK8S-PREROUTING, the jumps, table inet ck8s) and the agent's firewall state are removed on the hosts\n", o.reps)
	fmt.Println("targets: ck8sctl >= 10x faster than Ansible on 50 hosts, first apply (including the confirm round trip) and re-run")
	if !hardenOK {
		fmt.Printf("ck8sctl columns: n/a, `%s harden` is not available yet (%s)\n", o.self, why)
	}
	return nil
}

// fwLabUp brings up the section's own lab in a fresh dir under .bench at a
// random index that no other lab on this machine claims (other sessions run
// labs concurrently); exclude keeps the indices the other sections use.
func fwLabUp(ctx context.Context, o fwOptions, n int) (*lab.Lab, error) {
	return sectionLabUp(ctx, "fwlab-", lab.Options{Hosts: n, Index: o.index, ListenerArgv: []string{o.self, "lab", "listen"}}, o.excludeIndices())
}

// benchIndex is the -index flag: the other sections use it and the two
// below it.
var benchIndex int

func (o fwOptions) excludeIndices() []int { return []int{benchIndex, benchIndex - 1, benchIndex - 2} }

// fwResetScript removes what either tool owns on a lab host, for IPv4 and
// IPv6: the jumps from INPUT and PREROUTING, the chains, ck8sctl's nftables
// table and the agent's firewall state (applied.json, results). It refuses
// to run in this machine's own network or mount namespace ($1, $2): the
// firewall of the machine itself is never touched.
const fwResetScript = `set -u
[ "$(readlink /proc/self/ns/net)" != "$1" ] || { echo "refusing: this is the machine's own network namespace" >&2; exit 97; }
[ "$(readlink /proc/self/ns/mnt)" != "$2" ] || { echo "refusing: this is the machine's own mount namespace" >&2; exit 97; }
for t in iptables ip6tables; do
	while $t -w -t filter -D INPUT -j CK8S-INPUT 2>/dev/null; do :; done
	$t -w -t filter -F CK8S-INPUT 2>/dev/null; $t -w -t filter -X CK8S-INPUT 2>/dev/null
	while $t -w -t mangle -D PREROUTING -j CK8S-PREROUTING 2>/dev/null; do :; done
	$t -w -t mangle -F CK8S-PREROUTING 2>/dev/null; $t -w -t mangle -X CK8S-PREROUTING 2>/dev/null
	if $t-save 2>/dev/null | grep -q CK8S-; then echo "$t still has CK8S- rules" >&2; exit 1; fi
done
if command -v nft >/dev/null 2>&1; then
	nft delete table inet ck8s 2>/dev/null
	if nft list table inet ck8s >/dev/null 2>&1; then echo "table inet ck8s is still there" >&2; exit 1; fi
fi
rm -rf /var/lib/ck8s/firewall
`

// fwReset runs fwResetScript in every host's namespaces (lab Exec, the
// namespaces of the host's sshd), ten hosts at a time.
func fwReset(ctx context.Context, l *lab.Lab, hosts []lab.Host) error {
	netns, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		return err
	}
	mntns, err := os.Readlink("/proc/self/ns/mnt")
	if err != nil {
		return err
	}
	return forEachHost(hosts, 10, func(h lab.Host) error {
		if out, err := l.Exec(ctx, h, "sh", "-c", fwResetScript, "sh", netns, mntns); err != nil {
			return fmt.Errorf("resetting the firewall of %s: %v: %s", h.Name, err, bytes.TrimSpace(out))
		}
		return nil
	})
}

func forEachHost(hosts []lab.Host, par int, f func(lab.Host) error) error {
	var wg sync.WaitGroup
	sem := make(chan struct{}, par)
	errs := make([]error, len(hosts))
	for i, h := range hosts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			errs[i] = f(h)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// fwWantExposure is what the profile leaves open, as exposure spells it.
const fwWantExposure = "v4 22,80,443 v6 22,80,443"

// fwProbePorts are what the exposure check dials from this machine: the
// allowed ports and the lab's decoys, on both families.
var fwProbePorts = append([]int{22}, lab.DecoyPorts...)

// exposure returns the ports of h open from the root namespace after an
// apply, as "v4 22,80,443 v6 22,80,443".
func exposure(ctx context.Context, h lab.Host) (string, error) {
	type res struct {
		v6   bool
		port int
	}
	var mu sync.Mutex
	var open []res
	var wg sync.WaitGroup
	var errs []error
	for _, v6 := range []bool{false, true} {
		addr := h.Addr4
		if v6 {
			addr = h.Addr6
		}
		for _, p := range fwProbePorts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := tcpOpen(ctx, addr, p)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if ok {
					open = append(open, res{v6, p})
				}
			}()
		}
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return "", err
	}
	var v4s, v6s []string
	slices.SortFunc(open, func(a, b res) int { return a.port - b.port })
	for _, r := range open {
		if r.v6 {
			v6s = append(v6s, fmt.Sprint(r.port))
		} else {
			v4s = append(v4s, fmt.Sprint(r.port))
		}
	}
	return "v4 " + strings.Join(v4s, ",") + " v6 " + strings.Join(v6s, ","), nil
}

// timed runs cmd and returns its wall time, stdout, stderr and peak RSS.
func timed(cmd *exec.Cmd) (time.Duration, []byte, []byte, int64, error) {
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	d := time.Since(start)
	var rss int64
	if cmd.ProcessState != nil {
		if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
			rss = ru.Maxrss
		}
	}
	return d, out.Bytes(), errb.Bytes(), rss, err
}

func tail(b []byte, lines int) string {
	var ls []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		ls = append(ls, sc.Text())
	}
	if len(ls) > lines {
		ls = ls[len(ls)-lines:]
	}
	return strings.Join(ls, "\n")
}

// fwRulesScript lists what either tool owns on a lab host, as iptables -S
// prints it, both families: the built-in chains holding the jumps and the
// two owned chains. Read-only.
const fwRulesScript = `for t in iptables ip6tables; do
	$t -w -S INPUT | sed "s/^/$t filter /"
	$t -w -S CK8S-INPUT 2>&1 | sed "s/^/$t filter /"
	$t -w -t mangle -S PREROUTING | sed "s/^/$t mangle /"
	$t -w -t mangle -S CK8S-PREROUTING 2>&1 | sed "s/^/$t mangle /"
done
`

// notLocalRe is the Ansible playbook's spelling of "not addressed to this
// host" (the module has no addrtype match); ownedRules writes it as
// ck8sctl's agent does, so the two rule sets compare line by line.
var notLocalRe = regexp.MustCompile(`(?m)^(\S+ mangle -A CK8S-PREROUTING) ! -d \S+ -j RETURN$`)

// ownedRules returns h's rules as fwRulesScript lists them, normalised.
func ownedRules(ctx context.Context, l *lab.Lab, h lab.Host) (string, error) {
	out, err := l.Exec(ctx, h, "sh", "-c", fwRulesScript)
	if err != nil {
		return "", fmt.Errorf("listing the rules of %s: %v: %s", h.Name, err, bytes.TrimSpace(out))
	}
	return notLocalRe.ReplaceAllString(string(out), "$1 -m addrtype ! --dst-type LOCAL -j RETURN"), nil
}

// ruleDiff lists the lines only in a and only in b.
func ruleDiff(a, b string) string {
	as, bs := strings.Split(strings.TrimSpace(a), "\n"), strings.Split(strings.TrimSpace(b), "\n")
	var d []string
	for _, s := range as {
		if !slices.Contains(bs, s) {
			d = append(d, "  ck8sctl only: "+s)
		}
	}
	for _, s := range bs {
		if !slices.Contains(as, s) {
			d = append(d, "  Ansible only: "+s)
		}
	}
	if len(d) == 0 {
		d = append(d, "  same lines, different order")
	}
	return strings.Join(d, "\n")
}
