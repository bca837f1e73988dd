package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// Two profiles that differ (8080 open or not), so every faulted harden
// changes the rules: the host alternates between them.
var profiles = map[string]string{"A": "[22, 80, 443]", "B": "[22, 80, 443, 8080]"}

// worker runs trials on one lab host, one at a time, with its own
// database: what it knows of the host is the profile it holds now, each
// profile's confirmed rules, and how long a changing harden takes.
type worker struct {
	v        hostView
	self     string // the ck8sctl binary (a ck8schaos build)
	dir, db  string
	confirm  time.Duration
	current  string
	expected map[string]string // profile → rules once confirmed
	baseline time.Duration     // a changing harden, start to exit
	fwCalls  int               // firewall program calls in a changing harden
}

func (w *worker) other() string {
	if w.current == "A" {
		return "B"
	}
	return "A"
}

// playbook writes the harden playbook of profile p for the host; cut, if
// set, only allows SSH from a foreign network with that policy.
func (w *worker) playbook(p, cut string) string {
	h := w.v.h
	fw := fmt.Sprintf("  backend: %s\n  confirmTimeout: %s\n  allowTCP: %s\n", w.v.backend, w.confirm, profiles[p])
	if cut != "" {
		fw += "  sshSources: [198.19.254.0/24]\n  policy: " + cut + "\n"
	}
	body := fmt.Sprintf("domain: staging.lab.test\nfirewall:\n%shosts:\n  - name: %s\n    address: %s\n    port: %d\n    user: root\n    identityFile: %s\n    knownHostsFile: %s\n",
		fw, h.Name, h.Addr4, h.Port, w.v.l.KeyFile, w.v.l.KnownHostsFile)
	path := filepath.Join(w.dir, fmt.Sprintf("%s-%s%s.yaml", h.Name, p, cut))
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		panic(err) // the work dir is ours; failing to write it is not a finding
	}
	return path
}

func (w *worker) ck8sctl(ctx context.Context, playbook string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.self, "--log-level", "warn", "--log-format", "json", "harden", "-p", playbook, "--db", w.db, "-o", "json")
	log, err := os.OpenFile(filepath.Join(w.dir, w.v.h.Name+".log"), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err == nil {
		cmd.Stdout, cmd.Stderr = log, log
	}
	return cmd
}

// clean hardens the host to its current profile without a fault; it
// retries once (a rollback may still hold the host's lock).
func (w *worker) clean(ctx context.Context) error {
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		if err = w.ck8sctl(ctx, w.playbook(w.current, "")).Run(); err == nil {
			return nil
		}
		time.Sleep(2 * time.Second)
	}
	return err
}

// prepare records each profile's confirmed rules, how many firewall
// program calls a changing harden makes (counting wrappers in place for that run
// only) and how long one takes without them.
func (w *worker) prepare(ctx context.Context) error {
	w.expected = map[string]string{}
	for i, p := range []string{"B", "A", "B"} {
		w.current = p
		if i == 1 {
			if err := wrapFirewall(ctx, w.v, 0); err != nil {
				return err
			}
		}
		start := time.Now()
		if err := w.clean(ctx); err != nil {
			return fmt.Errorf("%s: harden to profile %s: %w", w.v.h.Name, p, err)
		}
		w.baseline = time.Since(start)
		if i == 1 {
			// Counted before the rules are read: that read goes through
			// the wrappers too.
			calls, err := w.v.sh(ctx, "cat "+chaosDir+"/calls")
			fmt.Sscan(strings.TrimSpace(calls), &w.fwCalls)
			if uerr := unwrap(ctx, w.v); err == nil {
				err = uerr
			}
			if err != nil {
				return err
			}
		}
		rules, err := w.v.owned(ctx)
		if err != nil || !(strings.Contains(rules, "CK8S") || strings.Contains(rules, "table inet ck8s")) {
			return fmt.Errorf("%s: no ck8s rules after a harden (%v)", w.v.h.Name, err)
		}
		w.expected[p] = rules
	}
	return nil
}
