package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	ucli "github.com/urfave/cli/v2"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// agentSteps are the agent steps bootstrap runs, in order. dns is first:
// nothing changes before it passes; listeners come after the firewall so
// the report joins the scan with the hardened host. With `checks: http01:`
// the http01 step runs right after the firewall, and with a manifests
// section the manifests step after that (see manifestsPlan).
var agentSteps = []string{"dns", "facts", "firewall", "metrics", "listeners"}

func bootstrapCommand() *ucli.Command {
	return &ucli.Command{
		Name:  "bootstrap",
		Usage: "run the whole flow on every host of a playbook",
		Flags: append(runFlags(),
			&ucli.BoolFlag{Name: "check", Usage: "read-only: report what would change, change nothing"},
		),
		Action: func(c *ucli.Context) error {
			return runPlaybook(c, "bootstrap", agentSteps)
		},
	}
}

// runFlags are the flags of every command that runs a playbook on hosts.
func runFlags() []ucli.Flag {
	return []ucli.Flag{
		&ucli.StringFlag{Name: "playbook", Aliases: []string{"p"}, Usage: "playbook `FILE`", Required: true},
		&ucli.StringSliceFlag{Name: "limit", Usage: "only these hosts (comma-separated names)"},
		&ucli.StringFlag{Name: "db", Usage: "flow_events database `PATH`", Value: defaultDB()},
		&ucli.BoolFlag{Name: "accept-new-host-keys", Usage: "trust unknown host keys on first use and record them (a changed key is always refused)"},
		&ucli.IntFlag{Name: "forks", Value: 20, Usage: "hosts worked on in parallel"},
		&ucli.StringFlag{Name: "output", Aliases: []string{"o"}, Value: "table", Usage: "table or json"},
		&ucli.DurationFlag{Name: "connect-timeout", Value: 10 * time.Second, Usage: "per SSH connection attempt"},
		&ucli.DurationFlag{Name: "lock-wait", Value: 2 * time.Minute, Usage: "how long to wait for another run's lock on a host"},
		&ucli.StringFlag{Name: "ssh-config", Usage: "ssh_config `FILE` (default ~/.ssh/config; \"none\" to ignore)"},
		// Benchmarks pin the key exchange so both sides of a comparison do
		// the same work; not for everyday use.
		&ucli.StringSliceFlag{Name: "ssh-kex", Hidden: true},
	}
}

// runOpts are the validated flags of a playbook run.
type runOpts struct {
	pb      *playbook.Playbook
	hosts   []playbook.Host
	output  string
	forks   int
	check   bool
	command string
}

func parseRunFlags(c *ucli.Context, command string) (*runOpts, error) {
	o := &runOpts{output: c.String("output"), forks: c.Int("forks"), check: c.Bool("check"), command: command}
	if o.output != "table" && o.output != "json" {
		return nil, badInputf("flag --output: %q is not table or json", o.output)
	}
	if o.forks < 1 {
		return nil, badInputf("flag --forks: must be at least 1, got %d", o.forks)
	}
	if c.Duration("connect-timeout") <= 0 {
		return nil, badInputf("flag --connect-timeout: must be positive")
	}
	pb, err := playbook.Load(c.String("playbook"))
	if err != nil {
		return nil, badInput(err)
	}
	var limit []string
	for _, l := range c.StringSlice("limit") {
		for _, n := range strings.Split(l, ",") {
			if n = strings.TrimSpace(n); n != "" {
				limit = append(limit, n)
			}
		}
	}
	hosts, err := pb.Select(limit)
	if err != nil {
		return nil, badInputf("flag --limit: %v", err)
	}
	o.pb, o.hosts = pb, hosts
	return o, nil
}

func runPlaybook(c *ucli.Context, command string, steps []string) error {
	o, err := parseRunFlags(c, command)
	if err != nil {
		return err
	}
	agents, err := bootstrap.Agents()
	if err != nil {
		return badInput(err)
	}
	red, err := redact.New(o.pb.Mask)
	if err != nil {
		return badInputf("playbook %s: %v", o.pb.Path, err)
	}
	red = red.WithLiterals(os.Getenv(passphraseEnv))
	log, err := logger(c, red)
	if err != nil {
		return err
	}
	var pre *preflight // nil: no preflight (harden, or no nameservers)
	if slices.Contains(steps, "dns") {
		if pre, err = newPreflight(o.pb, log); err != nil {
			return err
		}
	}
	portScan, err := portScanPhase(o)
	if err != nil {
		return err
	}
	rehearsal, steps, err := http01Rehearsal(o, steps)
	if err != nil {
		return err
	}
	manifests, steps, err := manifestsPlan(o, steps)
	if err != nil {
		return err
	}
	tlsCheck, err := tlsPhase(o, manifests != nil)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(c.Context, os.Interrupt, syscall.SIGTERM)
	defer stop()

	db, err := store.Open(ctx, c.String("db"))
	if err != nil {
		return fmt.Errorf("opening the flow_events store: %w", err)
	}
	defer db.Close()

	runID := newRunID()
	started := time.Now().UTC()
	if err := db.CreateRun(ctx, store.Run{ID: runID, Command: command, Playbook: o.pb.Path, Started: started, Hosts: len(o.hosts), Check: o.check}); err != nil {
		return fmt.Errorf("recording run: %w", err)
	}
	targets, err := buildTargets(c, o, runID, steps, log)
	if err != nil {
		return err
	}
	pre.addToPlans(targets)
	if err := addHTTP01Plans(targets, rehearsal, o.pb.Domain); err != nil {
		return err
	}
	addManifestsPlans(targets, manifests)
	// Reconnects cover a link that drops while a firewall change waits
	// for its confirmation: the rest of the run comes from the journal.
	runner := &bootstrap.Runner{Agents: agents, Redact: red, Log: log, Reconnects: 6, FollowTimeout: 10 * time.Minute}
	prog := newProgress(c.App.ErrWriter, o.output == "table" && isTerminal(c.App.ErrWriter), len(targets))
	portScan.Record = func(ctx context.Context, e event.Event) error { return db.AppendEvents(context.WithoutCancel(ctx), e) }
	portScan.Progress = prog.event
	tlsCheck.Record, tlsCheck.Progress = portScan.Record, prog.event
	m := &phase.Manager{
		Forks: o.forks,
		Phases: []phase.Phase{
			phase.Connect{},
			pre.phase(ctx, func(ctx context.Context, e event.Event) error {
				return db.AppendEvents(context.WithoutCancel(ctx), e)
			}, prog.event, red),
			phase.Agent{
				Runner:  runner,
				Confirm: &phase.Confirmer{Runner: runner, ConnectTimeout: c.Duration("connect-timeout")},
				HTTP01:  rehearsal,
				Record: func(ctx context.Context, e event.Event) error {
					// Recording must outlive a cancelled run: what the host did
					// is history, Ctrl-C or not.
					return db.AppendEvents(context.WithoutCancel(ctx), e)
				},
				Progress: prog.event,
			},
			portScan,
			tlsCheck,
		},
		Done: prog.done,
	}
	log.Info("run started", "run", runID, "command", command, "hosts", len(targets))
	m.Run(ctx, targets)

	results := make([]*phase.Result, len(targets))
	for i, t := range targets {
		results[i] = t.Result
	}
	code := hostsExit(results)
	status := map[int]string{ExitOK: "ok", ExitFailed: "failed", ExitUnreachable: "unreachable", ExitRolledBack: "rolled-back"}[code]
	if err := db.FinishRun(context.WithoutCancel(ctx), runID, status, code, time.Now().UTC()); err != nil {
		log.Error("recording run end", "run", runID, "err", err)
	}
	rep := report.Run{ID: runID, Command: command, Playbook: o.pb.Path, Started: started, Duration: time.Since(started), ExitCode: code, Status: status, Check: o.check, Hosts: results}
	if err := report.Write(c.App.Writer, o.output, rep); err != nil {
		return err
	}
	if code != ExitOK {
		return &exitError{code: code, err: fmt.Errorf("run %s: %s (exit %d)", runID, status, code)}
	}
	return nil
}

// newRunID returns a time-ordered id, so runs sort by start in any store.
func newRunID() string {
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.NewString()
	}
	return id.String()
}

func buildTargets(c *ucli.Context, o *runOpts, runID string, steps []string, log *slog.Logger) ([]*phase.Target, error) {
	var out []*phase.Target
	prompt := passphrasePrompt(c)
	for _, h := range o.hosts {
		cfg := sshConfig(c, o.pb, h, prompt)
		p := &plan.Plan{
			Protocol: event.Protocol, RunID: runID, Host: h.Name, Check: o.check, Steps: steps,
			LockWait: plan.Duration(c.Duration("lock-wait")), Mask: o.pb.Mask, Labels: h.Labels,
		}
		if slices.Contains(steps, "firewall") {
			p.Firewall = firewallPlan(o.pb.Firewall, cfg.Port)
		}
		out = append(out, &phase.Target{
			Name: h.Name, SSH: cfg, Plan: p,
			Result: &phase.Result{Host: h.Name, Address: h.Address, Status: phase.StatusFailed},
			Log:    log,
		})
	}
	return out, nil
}
