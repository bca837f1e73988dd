package cli

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/scan"

	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/internal/procowner"
	"github.com/ck8s/ck8sctl/internal/readfile"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/inventory"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// runFlags are the flags of every command that runs an action on hosts.
func runFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "playbook", Aliases: []string{"p"}, Usage: "playbook `FILE`", Required: true},
		&ucli.StringFlag{Name: "inventory", Aliases: []string{"i"}, Usage: "Ansible inventory `FILE` (INI or YAML): its hosts replace the playbook's"},
		&ucli.StringSliceFlag{Name: "limit", Aliases: []string{"l"}, Usage: "only hosts matching `PATTERN` (Ansible patterns: name, group, host*, a:b, a:!b, a:&b)"},
		&ucli.StringFlag{Name: "db", Usage: "flow_events database: a SQLite file `PATH` or a postgres:// URL", Value: defaultDB(), EnvVars: []string{"CK8S_DB"}},
		&ucli.BoolFlag{Name: "accept-new-host-keys", Usage: "trust unknown host keys on first use and record them (a changed key is always refused)"},
		&ucli.IntFlag{Name: "forks", Value: 20, Usage: "hosts worked on in parallel"},
		&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table, json, junit or (sweep) prometheus"},
		&ucli.DurationFlag{Name: "connect-timeout", Value: 10 * time.Second, Usage: "per SSH connection attempt"},
		&ucli.DurationFlag{Name: "lock-wait", Value: 2 * time.Minute, Usage: "how long to wait for another run's lock on a host"},
		&ucli.StringFlag{Name: "ssh-config", Usage: "ssh_config `FILE` (default ~/.ssh/config; \"none\" to ignore)"},
		// Benchmarks pin the key exchange so both sides of a comparison do
		// the same work; not for everyday use.
		&ucli.StringSliceFlag{Name: "ssh-kex", Hidden: true},
	}
}

// runAction is every action command: parse flags, prepare the run (all
// input checked, nothing touched yet), run it, print the report. adjust,
// if set, applies the command's own flags to the loaded playbook.
func runAction(c *ucli.Context, name action.Name, adjust func(*playbook.Playbook) error) (err error) {
	output := c.String("output")
	if !slices.Contains(report.Formats, output) {
		return badInputf("flag --output: %q is not one of %s", output, strings.Join(report.Formats, ", "))
	}
	if output == "prometheus" && name != action.Sweep {
		// Its metrics are the sweep's compliance gauges (ck8s_sweep_*).
		return badInputf("flag --output: prometheus is for sweep only")
	}
	switch {
	case c.Duration("connect-timeout") <= 0:
		return badInputf("flag --connect-timeout: must be positive")
	case c.Int("forks") < 1:
		return badInputf("flag --forks: must be at least 1, got %d", c.Int("forks"))
	case c.Duration("lock-wait") < 0:
		return badInputf("flag --lock-wait: must not be negative, got %s", c.Duration("lock-wait"))
	}
	if f := c.String("ssh-config"); f != "" && f != "none" {
		if err := readfile.Check(f, host.MaxSSHConfigSize); err != nil {
			return badInputf("flag --ssh-config: %v", err)
		}
	}
	pb, hosts, err := selectHosts(c)
	if err != nil {
		return err
	}
	if adjust != nil {
		if err := adjust(pb); err != nil {
			return err
		}
	}
	secrets := []string{os.Getenv(passphraseEnv)}
	red, err := action.Redactor(pb, secrets...)
	if err != nil {
		return badInput(err)
	}
	// The final error line is a record of the run like its events: masked
	// with the playbook's mask: and the known secrets, not only the
	// built-in shapes Main applies to every command.
	defer func() { err = maskErr(red, err) }()
	log, err := logger(c, red)
	if err != nil {
		return err
	}
	ssh := sshSettings(c, passphrasePrompt(c))
	opts := action.Options{
		Action: name, Playbook: pb, Hosts: hosts, Check: c.Bool("check"), Forks: c.Int("forks"),
		SSH:            func(h playbook.Host) host.Config { return ssh.Config(pb, h) },
		ConnectTimeout: c.Duration("connect-timeout"), LockWait: c.Duration("lock-wait"),
		Scan:   action.ScanOptions{Rate: c.Float64("scan-rate"), Engine: scan.EngineKind(c.String("scan-engine"))},
		Redact: red, Log: log,
	}
	prep, err := action.Prepare(opts)
	if errors.Is(err, action.ErrInput) {
		return badInput(err)
	} else if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()
	db, err := openDB(c)
	if err != nil {
		return err
	}
	defer db.Close()
	prep.Opts.Store = db
	// Runs an earlier ck8sctl left "running" when it died: interrupted
	// now, and their hosts' journals are read on the next contact.
	if n, err := db.InterruptDead(ctx, procowner.Alive, time.Now().UTC()); err != nil {
		log.Warn("marking runs whose process died", "err", err)
	} else if n > 0 {
		log.Warn("runs whose ck8sctl died marked interrupted", "runs", n)
	}

	prog := newProgress(c.App.ErrWriter, liveProgress(c, output), len(prep.Opts.Hosts))
	prep.Opts.Progress, prep.Opts.Done = prog.event, prog.done
	rep, err := prep.Run(ctx)
	if err != nil {
		return err
	}
	if err := writeRun(c, output, rep); err != nil {
		return err
	}
	if rep.ExitCode != ExitOK {
		return &exitError{code: rep.ExitCode, err: fmt.Errorf("run %s: %s (exit %d)", rep.ID, rep.Status, rep.ExitCode)}
	}
	return nil
}

// selectHosts loads the playbook and the hosts to act on: the playbook's,
// or the --inventory's (then the playbook may have none), narrowed by
// --limit's Ansible patterns.
func selectHosts(c *ucli.Context) (*playbook.Playbook, []playbook.Host, error) {
	invPath := c.String("inventory")
	load := playbook.Load
	if invPath != "" {
		load = playbook.LoadProfile
	}
	pb, err := load(c.String("playbook"))
	if err != nil {
		return nil, nil, badInput(err)
	}
	universe := inventory.PlaybookUniverse(pb.Hosts)
	if invPath != "" {
		inv, err := inventory.Load(invPath)
		if err != nil {
			return nil, nil, badInput(err)
		}
		if pb.Hosts, err = inventoryHosts(pb, inv); err != nil {
			return nil, nil, badInput(err)
		}
		universe = inv.Universe()
	}
	if len(pb.Hosts) == 0 {
		return nil, nil, badInputf("no hosts: the playbook %s has none and no --inventory was given", pb.Path)
	}
	limit := c.StringSlice("limit")
	if len(limit) == 0 {
		return pb, pb.Hosts, nil
	}
	// urfave splits a flag's value on commas, which Ansible's patterns
	// also read as a union: join the parts back with ":".
	hosts, err := inventory.Limit(pb.Hosts, universe, strings.Join(limit, ":"))
	if err != nil {
		return nil, nil, badInputf("flag --limit: %v", err)
	}
	return pb, hosts, nil
}
