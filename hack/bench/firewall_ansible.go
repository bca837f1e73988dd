package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/internal/fence"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// labPrefixes are the only addresses Ansible may ever be pointed at: the
// lab's ranges. Unlike CK8S_NETWORK_FENCE they leave out loopback, so
// not even this machine itself can end up in an inventory.
var labPrefixes = []netip.Prefix{netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("2001:db8::/32")}

// checkLabAddr refuses an address outside the lab's ranges, outside the
// process's CK8S_NETWORK_FENCE, or not one of lab l's own hosts.
func checkLabAddr(l *lab.Lab, a netip.Addr) error {
	if err := fence.Within(labPrefixes, a); err != nil {
		return fmt.Errorf("not a lab address: %w", err)
	}
	if err := fence.Check(a); err != nil {
		return err
	}
	for _, h := range l.Hosts {
		if h.Addr4 == a || h.Addr6 == a {
			return nil
		}
	}
	return fmt.Errorf("%s is not a host of the lab in %s", a, l.Dir)
}

// ansibleRunner runs hack/bench/ansible/firewall.yml against lab hosts.
type ansibleRunner struct {
	lab          *lab.Lab
	playbook     string
	forks        int
	reps         int
	verified     map[int]bool // inventories checked with ansible-inventory, by host count
	lastExposure string
	lastOK       int // module runs (loop items) on the first host in the last run
}

type wantMode int

const (
	wantChanged   wantMode = iota // a first apply: every host changed
	wantUnchanged                 // a re-run: changed=0 everywhere
)

func (a *ansibleRunner) describe() string {
	return fmt.Sprintf("ansible-core %s, median of %d, forks %d, %d rules (module runs) per host, pipelining on, ControlPersist within a run (a fresh control dir per run), gather_facts off, key exchange %s",
		ansibleVersion(), a.reps, a.forks, a.lastOK, kex)
}

func ansibleVersion() string {
	out, err := exec.Command("ansible-playbook", "--version").Output()
	if err != nil {
		return "?"
	}
	first, _, _ := strings.Cut(string(out), "\n")
	if i := strings.Index(first, "core "); i >= 0 {
		return strings.TrimRight(first[i+len("core "):], "]")
	}
	return first
}

// measure times the first apply (after a reset) and the re-run, reps
// times each, and checks the exposure of the first host afterwards.
func (a *ansibleRunner) measure(ctx context.Context, hosts []lab.Host) (*fwTiming, error) {
	reps := a.reps
	var t fwTiming
	var err error
	if t.apply, err = medianErr(reps, func() (time.Duration, error) {
		if err := fwReset(ctx, a.lab, hosts); err != nil {
			return 0, err
		}
		return a.run(ctx, hosts, wantChanged)
	}); err != nil {
		return nil, fmt.Errorf("ansible, first apply on %d hosts: %w", len(hosts), err)
	}
	if t.again, err = medianErr(reps, func() (time.Duration, error) { return a.run(ctx, hosts, wantUnchanged) }); err != nil {
		return nil, fmt.Errorf("ansible, re-run on %d hosts: %w", len(hosts), err)
	}
	if t.exposure, err = exposure(ctx, hosts[0]); err != nil {
		return nil, err
	}
	if t.rules, err = ownedRules(ctx, a.lab, hosts[0]); err != nil {
		return nil, err
	}
	a.lastExposure = t.exposure
	return &t, nil
}

// medianErr is median for measurements that report their error.
func medianErr(reps int, f func() (time.Duration, error)) (time.Duration, error) {
	var ds []time.Duration
	for range reps {
		d, err := f()
		if err != nil {
			return 0, err
		}
		ds = append(ds, d)
	}
	slices.Sort(ds)
	return ds[len(ds)/2].Round(time.Millisecond), nil
}

// run writes a fresh config and the inventory of hosts, checks the
// inventory, times one ansible-playbook run and checks its recap.
func (a *ansibleRunner) run(ctx context.Context, hosts []lab.Host, want wantMode) (time.Duration, error) {
	inv, err := a.inventory(ctx, hosts)
	if err != nil {
		return 0, err
	}
	// A fresh, short control dir per run (socket paths are limited to 108
	// bytes): a run never reuses the SSH masters of the one before, just
	// as each ck8sctl run opens its own connections.
	runDir, err := os.MkdirTemp("", "ck8s-fwbench-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(runDir)
	cfg, err := ansibleConfig(runDir, inv, a.forks)
	if err != nil {
		return 0, err
	}
	cmd := exec.CommandContext(ctx, "ansible-playbook", "-i", inv, a.playbook)
	cmd.Env = ansibleEnv(cfg)
	cmd.Dir = runDir
	cmd.WaitDelay = 10 * time.Second
	d, out, stderr, _, err := timed(cmd)
	a.closeMasters(filepath.Join(runDir, "cp"), hosts[0])
	if err != nil {
		return 0, fmt.Errorf("ansible-playbook: %v\n%s\n%s", err, tail(out, 40), tail(stderr, 20))
	}
	recap, err := parseRecap(out)
	if err != nil {
		return 0, fmt.Errorf("%v\n%s", err, tail(out, 40))
	}
	for _, h := range hosts {
		r, ok := recap[h.Name]
		switch {
		case !ok:
			return 0, fmt.Errorf("ansible: %s missing from the recap\n%s", h.Name, tail(out, 60))
		case r.failed > 0 || r.unreachable > 0:
			return 0, fmt.Errorf("ansible: %s failed=%d unreachable=%d\n%s", h.Name, r.failed, r.unreachable, tail(out, 60))
		case want == wantChanged && r.changed == 0:
			return 0, fmt.Errorf("ansible: first apply on %s changed nothing: the reset did not work", h.Name)
		case want == wantUnchanged && r.changed != 0:
			return 0, fmt.Errorf("ansible: re-run on %s is not idempotent: changed=%d\n%s", h.Name, r.changed, tail(out, 80))
		}
	}
	a.lastOK = 0
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "ok: ["+hosts[0].Name+"] => (item=") || strings.HasPrefix(line, "changed: ["+hosts[0].Name+"] => (item=") {
			a.lastOK++
		}
	}
	if len(recap) != len(hosts) {
		return 0, fmt.Errorf("ansible: recap has %d hosts, want %d", len(recap), len(hosts))
	}
	return d, nil
}

// ansibleEnv is this process's environment without any ANSIBLE_* setting
// (the bench's config decides everything) and without ssh-agent: the lab's
// key is the only identity.
func ansibleEnv(cfg string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ANSIBLE_") || strings.HasPrefix(kv, "SSH_AUTH_SOCK=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "ANSIBLE_CONFIG="+cfg, "ANSIBLE_NOCOLOR=1", "ANSIBLE_FORCE_COLOR=0")
}

// closeMasters stops the run's SSH control masters (ControlPersist keeps
// them for 60 s otherwise). -O exit only talks to the socket; the address
// is a lab host's because ssh wants one.
func (a *ansibleRunner) closeMasters(dir string, h lab.Host) {
	socks, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, s := range socks {
		_ = exec.Command("ssh", "-F", "/dev/null", "-o", "ControlPath="+s, "-O", "exit", "root@"+h.Addr4.String()).Run()
	}
}

// inventory writes the inventory of hosts (JSON, which Ansible's yaml
// inventory plugin reads) and, once per host count, has Ansible itself list
// it to prove it holds exactly these lab hosts reached over SSH.
func (a *ansibleRunner) inventory(ctx context.Context, hosts []lab.Host) (string, error) {
	l := a.lab
	for _, p := range []string{l.KeyFile, l.KnownHostsFile} {
		if strings.ContainsAny(p, " \t\"'\\") {
			return "", fmt.Errorf("%q: the inventory needs paths without spaces or quotes", p)
		}
	}
	hv := map[string]any{}
	for _, h := range hosts {
		for _, addr := range []netip.Addr{h.Addr4, h.Addr6} {
			if err := checkLabAddr(l, addr); err != nil {
				return "", fmt.Errorf("inventory for %s: %w", h.Name, err)
			}
		}
		hv[h.Name] = map[string]any{
			"ansible_host": h.Addr4.String(),
			"ansible_port": h.Port,
			"addr4":        h.Addr4.String(),
			"addr6":        h.Addr6.String(),
		}
	}
	inv := map[string]any{"all": map[string]any{"children": map[string]any{"lab": map[string]any{
		"hosts": hv,
		"vars": map[string]any{
			"ansible_connection":           "ssh",
			"ansible_user":                 "root",
			"ansible_python_interpreter":   "/usr/bin/python3",
			"ansible_ssh_private_key_file": l.KeyFile,
			// -F /dev/null: no ssh_config can send a host elsewhere (a
			// HostName, a ProxyJump); only the lab's known_hosts is trusted.
			"ansible_ssh_common_args": strings.Join([]string{"-F /dev/null", "-o IdentitiesOnly=yes",
				"-o UserKnownHostsFile=" + l.KnownHostsFile, "-o GlobalKnownHostsFile=/dev/null",
				"-o StrictHostKeyChecking=yes", "-o BatchMode=yes", "-o KexAlgorithms=" + kex}, " "),
		},
	}}}}
	b, err := json.MarshalIndent(inv, "", "  ")
	if err != nil {
		return "", err
	}
	path := filepath.Join(l.Dir, fmt.Sprintf("ansible-inventory-%d.json", len(hosts)))
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return "", err
	}
	if a.verified == nil {
		a.verified = map[int]bool{}
	}
	if !a.verified[len(hosts)] {
		if err := verifyInventory(ctx, l, path, hosts); err != nil {
			return "", err
		}
		a.verified[len(hosts)] = true
	}
	return path, nil
}

// verifyInventory asks ansible-inventory what the inventory resolves to
// and refuses anything but exactly hosts, each at its lab address over
// SSH as root.
func verifyInventory(ctx context.Context, l *lab.Lab, path string, hosts []lab.Host) error {
	cfg := filepath.Join(l.Dir, "ansible-inventory.cfg") // empty: Ansible's defaults
	if err := os.WriteFile(cfg, nil, 0o600); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "ansible-inventory", "-i", path, "--list")
	cmd.Env = ansibleEnv(cfg)
	_, out, stderr, _, err := timed(cmd)
	if err != nil {
		return fmt.Errorf("ansible-inventory: %v: %s", err, tail(stderr, 10))
	}
	var list struct {
		Meta struct {
			Hostvars map[string]struct {
				Host       string `json:"ansible_host"`
				Connection string `json:"ansible_connection"`
				User       string `json:"ansible_user"`
			} `json:"hostvars"`
		} `json:"_meta"`
		Lab struct {
			Hosts []string `json:"hosts"`
		} `json:"lab"`
	}
	if err := json.Unmarshal(out, &list); err != nil {
		return fmt.Errorf("ansible-inventory output: %v", err)
	}
	want := map[string]netip.Addr{}
	for _, h := range hosts {
		want[h.Name] = h.Addr4
	}
	if len(list.Meta.Hostvars) != len(hosts) || len(list.Lab.Hosts) != len(hosts) {
		return fmt.Errorf("inventory %s: Ansible sees %d hosts (%d in group lab), want %d", path, len(list.Meta.Hostvars), len(list.Lab.Hosts), len(hosts))
	}
	for name, v := range list.Meta.Hostvars {
		a, err := netip.ParseAddr(v.Host)
		switch {
		case err != nil:
			return fmt.Errorf("inventory %s: host %s: ansible_host %q is not an IP address", path, name, v.Host)
		case want[name] != a:
			return fmt.Errorf("inventory %s: host %s resolves to %s, not its lab address %s", path, name, a, want[name])
		case v.Connection != "ssh" || v.User != "root":
			return fmt.Errorf("inventory %s: host %s: connection %q user %q, want ssh as root", path, name, v.Connection, v.User)
		}
		if err := checkLabAddr(l, a); err != nil {
			return fmt.Errorf("inventory %s: host %s: %w", path, name, err)
		}
	}
	return nil
}

type recapLine struct{ ok, changed, unreachable, failed int }

var recapRe = regexp.MustCompile(`^(\S+)\s+:\s+ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)`)

// parseRecap reads the PLAY RECAP of the default callback.
func parseRecap(out []byte) (map[string]recapLine, error) {
	_, after, ok := strings.Cut(string(out), "PLAY RECAP")
	if !ok {
		return nil, errors.New("ansible: no PLAY RECAP in the output")
	}
	m := map[string]recapLine{}
	for _, line := range strings.Split(after, "\n") {
		f := recapRe.FindStringSubmatch(strings.TrimSpace(line))
		if f == nil {
			continue
		}
		n := func(i int) int { v, _ := strconv.Atoi(f[i]); return v }
		m[f[1]] = recapLine{n(2), n(3), n(4), n(5)}
	}
	return m, nil
}

// tcpOpen reports whether a TCP connect to addr:port succeeds; a refused
// or unanswered connect is closed. The fence is checked before the dial.
func tcpOpen(ctx context.Context, addr netip.Addr, port int) (bool, error) {
	if err := fence.Within(labPrefixes, addr); err != nil {
		return false, err
	}
	if err := fence.Check(addr); err != nil {
		return false, err
	}
	d := net.Dialer{Timeout: 700 * time.Millisecond}
	c, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(addr, uint16(port)).String())
	if err == nil {
		c.Close()
		return true, nil
	}
	var ne net.Error
	if errors.Is(err, syscall.ECONNREFUSED) || (errors.As(err, &ne) && ne.Timeout()) {
		return false, nil
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	return false, fmt.Errorf("probing %s port %d: %w", addr, port, err)
}
