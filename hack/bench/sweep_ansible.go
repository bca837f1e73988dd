package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// ansCheck is one `ansible-playbook --check --diff` of the firewall
// playbook: Ansible's read-only pass over the same hosts.
type ansCheck struct {
	wall    time.Duration
	rss     int64 // KiB: the largest single process (ansible-playbook or a fork)
	changed []string
	// changedDrifted counts the drifted hosts among changed: whether
	// Ansible's check mode notices the hand-added rule at all.
	changedDrifted int
}

// ansibleCheck runs the bench's firewall playbook in check mode on hosts
// with forks forks and reads its recap: no host may fail or be
// unreachable; changed hosts are what check mode would change.
func ansibleCheck(ctx context.Context, l *lab.Lab, playbook string, forks int, hosts []lab.Host, drifted []string) (*ansCheck, error) {
	a := &ansibleRunner{lab: l, playbook: playbook, forks: forks}
	inv, err := a.inventory(ctx, hosts) // checked by ansible-inventory, lab addresses only
	if err != nil {
		return nil, err
	}
	runDir, err := os.MkdirTemp("", "ck8s-swbench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(runDir)
	cfg, err := ansibleConfig(runDir, inv, forks)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "ansible-playbook", "--check", "--diff", "-f", fmt.Sprint(forks), "-i", inv, playbook)
	cmd.Env = ansibleEnv(cfg)
	cmd.Dir = runDir
	cmd.WaitDelay = 10 * time.Second
	d, out, stderr, rss, err := timed(cmd)
	a.closeMasters(filepath.Join(runDir, "cp"), hosts[0])
	// Kept for the reader (what check mode would change, and why).
	if abs, e := filepath.Abs(ansibleCheckLog); e == nil && os.WriteFile(abs, append(out, stderr...), 0o600) == nil {
		progress("Ansible's output: %s", abs)
	}
	// --check exits 2 when a host failed or was unreachable; the recap says which.
	recap, rerr := parseRecap(out)
	if rerr != nil {
		return nil, fmt.Errorf("ansible-playbook --check: %v; %v\n%s\n%s", err, rerr, tail(out, 40), tail(stderr, 20))
	}
	c := &ansCheck{wall: d.Round(time.Millisecond), rss: rss}
	for _, h := range hosts {
		r, ok := recap[h.Name]
		switch {
		case !ok:
			return nil, fmt.Errorf("ansible --check: %s missing from the recap\n%s", h.Name, tail(out, 60))
		case r.failed > 0 || r.unreachable > 0:
			return nil, fmt.Errorf("ansible --check: %s failed=%d unreachable=%d\n%s", h.Name, r.failed, r.unreachable, tail(out, 60))
		case r.changed > 0:
			c.changed = append(c.changed, h.Name)
			if slices.Contains(drifted, h.Name) {
				c.changedDrifted++
			}
		}
	}
	return c, nil
}

// ansibleCheckLog keeps the last check's output (.bench is the bench's
// scratch dir, ignored by git).
const ansibleCheckLog = ".bench/sweep-ansible-check.log"

// ansibleConfig writes the run's ansible.cfg: the firewall section's
// settings (ansibleRunner.run), a fresh short control dir per run.
func ansibleConfig(runDir, inv string, forks int) (string, error) {
	cfg := filepath.Join(runDir, "ansible.cfg")
	return cfg, os.WriteFile(cfg, []byte(fmt.Sprintf(`[defaults]
inventory = %s
forks = %d
gathering = explicit
host_key_checking = True
interpreter_python = /usr/bin/python3
retry_files_enabled = False
nocolor = True
local_tmp = %s
deprecation_warnings = False

[ssh_connection]
pipelining = True
ssh_args = -C -o ControlMaster=auto -o ControlPersist=60s
control_path_dir = %s
`, inv, forks, filepath.Join(runDir, "tmp"), filepath.Join(runDir, "cp"))), 0o600)
}

// sample names a few of hosts, for a line of output.
func sample(hosts []string) string {
	if len(hosts) <= 5 {
		return strings.Join(hosts, ", ")
	}
	return strings.Join(hosts[:5], ", ") + fmt.Sprintf(", … (%d)", len(hosts))
}
