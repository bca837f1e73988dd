package main

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// hardenAvailable reports whether self has the harden command, and why not.
func hardenAvailable(self string) (bool, string) {
	out, err := exec.Command(self, "harden", "--help").CombinedOutput()
	switch {
	case err != nil:
		return false, fmt.Sprintf("%s harden --help: %v: %s", filepath.Base(self), err, firstLine(out))
	case !bytes.Contains(out, []byte("--playbook")):
		return false, fmt.Sprintf("%s harden --help names no --playbook flag", filepath.Base(self))
	}
	return true, ""
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(strings.TrimSpace(string(b)), "\n")
	return s
}

// hardenRunner runs `ck8sctl harden -p` on lab hosts.
type hardenRunner struct {
	self    string
	lab     *lab.Lab
	backend string
	// dropped are optional flags this ck8sctl does not know.
	dropped []string
}

// playbookFor writes a playbook for hosts with ck8sctl's default firewall
// profile; backend pins the same front end Ansible drives, persist is off
// because the Ansible playbook persists nothing either.
func (r *hardenRunner) playbookFor(hosts []lab.Host) (string, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "# Written by make bench (firewall section): ck8sctl's default profile.\ndomain: %s\nfirewall:\n  backend: %s\n  persist: false\nhosts:\n", lab.Domain, r.backend)
	for _, h := range hosts {
		for _, a := range []netip.Addr{h.Addr4, h.Addr6} {
			if err := checkLabAddr(r.lab, a); err != nil {
				return "", fmt.Errorf("playbook for %s: %w", h.Name, err)
			}
		}
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    port: %d\n    user: root\n    identityFile: %s\n    knownHostsFile: %s\n    expectIPs: [%s, %s]\n",
			h.Name, h.Addr4, h.Port, r.lab.KeyFile, r.lab.KnownHostsFile, h.Addr4, h.Addr6)
	}
	p := filepath.Join(r.lab.Dir, fmt.Sprintf("bench-firewall-%d.yaml", len(hosts)))
	return p, os.WriteFile(p, []byte(b.String()), 0o600)
}

// measure times apply+confirm (after a reset) and the no-drift re-run.
func (r *hardenRunner) measure(ctx context.Context, hosts []lab.Host, reps int) (*fwTiming, error) {
	pb, err := r.playbookFor(hosts)
	if err != nil {
		return nil, err
	}
	var t fwTiming
	if t.apply, err = medianErr(reps, func() (time.Duration, error) {
		if err := fwReset(ctx, r.lab, hosts); err != nil {
			return 0, err
		}
		d, rss, err := r.run(ctx, pb, len(hosts), true)
		t.rss = max(t.rss, rss)
		return d, err
	}); err != nil {
		return nil, fmt.Errorf("ck8sctl harden, first apply on %d hosts: %w", len(hosts), err)
	}
	if t.again, err = medianErr(reps, func() (time.Duration, error) {
		d, rss, err := r.run(ctx, pb, len(hosts), false)
		t.rss = max(t.rss, rss)
		return d, err
	}); err != nil {
		return nil, fmt.Errorf("ck8sctl harden, re-run on %d hosts: %w", len(hosts), err)
	}
	if t.exposure, err = exposure(ctx, hosts[0]); err != nil {
		return nil, err
	}
	if t.rules, err = ownedRules(ctx, r.lab, hosts[0]); err != nil {
		return nil, err
	}
	return &t, nil
}

// run times one `ck8sctl harden` and checks from the recorded events that
// it did what it should: a first apply confirmed on every host, a re-run
// found every host compliant and changed nothing.
func (r *hardenRunner) run(ctx context.Context, pb string, n int, first bool) (time.Duration, int64, error) {
	db := pb + ".db"
	for {
		args := []string{"--log-level", "error", "harden", "-p", pb, "--db", db, "-o", "json"}
		for _, f := range [][]string{{"--forks", fmt.Sprint(n)}, {"--ssh-kex", kex}, {"--ssh-config", "none"}} {
			if !slices.Contains(r.dropped, f[0]) {
				args = append(args, f...)
			}
		}
		cmd := exec.CommandContext(ctx, r.self, args...)
		cmd.WaitDelay = 10 * time.Second
		d, out, stderr, rss, err := timed(cmd)
		if err != nil {
			// An optional flag this build does not have: leave it out.
			if f := unknownFlag(stderr); f != "" && !slices.Contains(r.dropped, f) {
				r.dropped = append(r.dropped, f)
				continue
			}
			return 0, 0, fmt.Errorf("ck8sctl harden: %v\n%s\n%s", err, tail(out, 40), tail(stderr, 20))
		}
		if err := r.checkEvents(ctx, db, n, first); err != nil {
			return 0, 0, err
		}
		return d, rss, nil
	}
}

// unknownFlag returns the flag urfave/cli refused, with its dashes.
func unknownFlag(stderr []byte) string {
	const marker = "flag provided but not defined: -"
	i := bytes.Index(stderr, []byte(marker))
	if i < 0 {
		return ""
	}
	name := strings.Fields(string(stderr[i+len(marker):]) + " ")[0]
	return "--" + strings.TrimLeft(name, "-")
}

// checkEvents counts the last run's firewall events per type.
func (r *hardenRunner) checkEvents(ctx context.Context, db string, n int, first bool) error {
	count := func(typ string) (int, error) {
		out, err := exec.CommandContext(ctx, r.self, "--log-level", "error", "events", "--db", db, "--run", "last",
			"--type", typ, "--limit", "100000", "-o", "json").Output()
		if err != nil {
			return 0, fmt.Errorf("ck8sctl events --type %s: %v", typ, err)
		}
		return bytes.Count(out, []byte("\n")), nil
	}
	want := map[string]int{"firewall.confirmed": n, "firewall.rolled_back": 0}
	if !first {
		want = map[string]int{"firewall.compliant": n, "firewall.applied": 0, "firewall.drift_detected": 0, "firewall.rolled_back": 0}
	}
	for typ, w := range want {
		got, err := count(typ)
		if err != nil {
			return err
		}
		if got != w {
			what := map[bool]string{true: "first apply", false: "re-run"}[first]
			return fmt.Errorf("ck8sctl harden, %s on %d hosts: %d %s events, want %d", what, n, got, typ, w)
		}
	}
	return nil
}
