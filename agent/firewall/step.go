package firewall

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/agent/listeners"
	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
)

// Step is the firewall step: it compares the owned rules with the plan's
// profile and, when they differ, applies the profile as a change that
// stays only if the orchestrator confirms it over a new connection before
// the deadline (see Confirm and Watchdog).
//
// In check mode it changes nothing and reports a difference as
// firewall.drift_detected with status failed, so that the orchestrator
// counts the host as non-compliant (exit 1); on a real run drift is info,
// since the run repairs it.
type Step struct {
	// Self is the agent binary the step re-executes (firewall-watchdog);
	// os.Executable() when empty.
	Self string
	// Grace is how long past the deadline the step waits for the
	// watchdog's verdict before rolling back itself; 15s when zero.
	Grace time.Duration
}

var _ step.Checker = Step{}

// New returns the firewall step.
func New() Step { return Step{} }

// Name implements step.Step.
func (Step) Name() string { return "firewall" }

// CheckSafe implements step.Checker: every change goes through env.Wet.
func (Step) CheckSafe() bool { return true }

// pollResult is how often the step looks for the change's result when no
// write to its directory wakes it first (see watchDir). A variable for
// tests.
var pollResult = 100 * time.Millisecond

// txn is one run of the step: what it chose and found.
type txn struct {
	self, stateDir, dir string
	grace               time.Duration
	fw                  *plan.FirewallPlan
	runID               string
	c                   choice
	b                   Backend
	prof                Profile
	rep                 Report
	launch              launcher
	clk                 clock
	// live is the owned rules as liveState last read them, and liveStamp
	// the ruleset's stamp they stand for ("": none known).
	live, liveStamp string
}

// Run implements step.Step.
func (s Step) Run(ctx context.Context, env *step.Env) error {
	t, err := s.prepare(ctx, env)
	if err != nil {
		return err
	}
	if err := t.settleEarlier(ctx, env); err != nil {
		return err
	}
	unlock, err := t.lock(ctx, env)
	if err != nil {
		return err
	}
	p, err := t.reconcile(ctx, env)
	unlock()
	if err != nil || p == nil { // compliant, failed, or check mode
		return err
	}
	rep := t.rep.withChange(p)
	// Absolute: a state directory given relative is the session's, and
	// the orchestrator takes only an absolute path.
	rep.ConfirmRequest, _ = filepath.Abs(confirmRequestPath(t.dir, p.ID))
	env.Emit(event.TypeFirewallApplied, event.StatusChanged, fmt.Sprintf(
		"applied the firewall profile (%s) as change %s; it is rolled back at %s unless confirmed over a new connection",
		t.b.Name(), p.ID, p.Deadline.Format(time.RFC3339)), rep)
	return t.await(ctx, env, p)
}

// lock takes the firewall lock for a real run, from its first listing
// through the apply, and holds the backend's listings meanwhile: the
// rules the comparison read are the ones the apply renders against and
// snapshots for the rollback (one listing per table instead of two),
// and no confirm or rollback can come between. Check mode changes
// nothing and takes no lock.
func (t *txn) lock(ctx context.Context, env *step.Env) (unlock func(), err error) {
	if env.Check() {
		return func() {}, nil
	}
	lk, err := acquire(ctx, t.dir, t.runID)
	if err != nil {
		return nil, err
	}
	release := holdReads(t.b)
	return func() {
		release()
		lk.Release()
	}, nil
}

// reconcile compares the owned rules with the profile and, when they
// differ, applies it (under the lock on a real run). It returns the
// change made, nil when none was.
func (t *txn) reconcile(ctx context.Context, env *step.Env) (*pending, error) {
	live, want, err := t.states(ctx)
	if err != nil {
		return nil, err
	}
	if live == want {
		env.Emit(event.TypeFirewallCompliant, event.StatusOK,
			fmt.Sprintf("the owned firewall rules (%s) match the profile; nothing changed", t.b.Name()), t.rep)
		return nil, nil
	}
	t.rep.Diff = Diff(live, want, t.b.Name())
	t.reportDrift(env, live)
	var p *pending
	err = env.Wet(fmt.Sprintf("apply firewall profile (%s)", t.b.Name()), func() (err error) {
		p, err = t.apply(ctx, env, want)
		return err
	})
	return p, err
}

func (s Step) prepare(ctx context.Context, env *step.Env) (*txn, error) {
	fw := env.Plan.Firewall
	if fw == nil {
		return nil, errors.New(`the plan has no "firewall" section (the playbook's firewall profile); nothing changed`)
	}
	self, err := s.self()
	if err != nil {
		return nil, err
	}
	c, err := choose(ctx, env.Root, fw.Backend)
	if err != nil {
		return nil, err
	}
	b, err := c.open()
	if err != nil {
		return nil, err
	}
	prof, err := profileOf(env, fw)
	if err != nil {
		return nil, err
	}
	return &txn{
		self: self, stateDir: env.Plan.Dir(), dir: txnDir(env.Plan.Dir()), grace: cmp.Or(s.Grace, 15*time.Second),
		fw: fw, runID: env.Plan.RunID, c: c, b: b, prof: prof,
		rep:    Report{Backend: b.Name(), Variant: b.Variant(), SSHPorts: prof.SSHPorts},
		launch: launcher{self: self, stateDir: env.Plan.Dir(), systemd: sdBooted, announceWait: 10 * time.Second},
		clk:    systemClock(),
	}, nil
}

// self returns the agent binary to re-execute; never a test binary, which
// would run tests instead of the agent.
func (s Step) self() (string, error) {
	if s.Self != "" {
		return s.Self, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("finding the agent binary: %w", err)
	}
	if strings.HasSuffix(exe, ".test") {
		return "", errors.New("refusing to re-execute a test binary as the agent: set Step.Self")
	}
	return exe, nil
}

// profileOf resolves the plan's profile: the SSH ports are the plan's plus
// every port an sshd listens on beyond loopback, so that a second sshd (or
// one the orchestrator reaches through a jump host) is never cut off.
func profileOf(env *step.Env, fw *plan.FirewallPlan) (Profile, error) {
	ls, err := listeners.Collect(env.Path)
	if err != nil {
		return Profile{}, fmt.Errorf("finding the ports sshd listens on: %w; nothing changed", err)
	}
	ssh := slices.Clone(fw.SSHPorts)
	for _, l := range ls {
		if l.Process == "sshd" && !l.Loopback() {
			ssh = append(ssh, int(l.Port))
		}
	}
	if len(ssh) == 0 {
		return Profile{}, errors.New("no SSH port known (the plan names none and no sshd listens): refusing a profile that would cut SSH off; nothing changed")
	}
	return Profile{
		AllowTCP: sorted(fw.AllowTCP), AllowUDP: sorted(fw.AllowUDP), SSHPorts: sorted(ssh),
		SSHSources: fw.SSHSources, TrustedInterfaces: fw.TrustedInterfaces, TrustedCIDRs: fw.TrustedCIDRs,
		Reject: fw.Reject,
	}, nil
}

func sorted(ports []int) []int {
	ports = slices.Clone(ports)
	slices.Sort(ports)
	return slices.Compact(ports)
}

// hash identifies a profile in applied.json.
func (p Profile) hash() string {
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// states returns the live owned state and the one the profile renders to.
// The expectation is cached (expect_cache.go), and so is the listing while
// the ruleset's generation stands (listing_cache.go): a no-drift re-run on
// a quiet host then runs no firewall program at all. A cached expectation
// that disagrees is recomputed before it counts as drift, so a stale cache
// can never cause a change.
func (t *txn) states(ctx context.Context) (live, want string, err error) {
	key := t.expectKey()
	if live, err = t.liveState(ctx, key); err != nil {
		return "", "", fmt.Errorf("listing the owned firewall rules (%s): %w", t.b.Name(), err)
	}
	if want, ok := t.cachedExpect(key); ok && want == live {
		return live, want, nil
	}
	if want, err = expected(ctx, t.c, t.prof, t.b); err != nil {
		return "", "", err
	}
	t.storeExpect(key, want)
	return live, want, nil
}

// reportDrift says how the owned rules differ. In check mode that is the
// verdict (failed: non-compliant); on a real run the repair follows, and a
// fresh host without owned rules has not drifted, it is set up.
func (t *txn) reportDrift(env *step.Env, live string) {
	what := "the owned firewall rules (" + t.b.Name() + ") differ from the profile"
	if live == "" {
		what = "the firewall profile is not applied: no owned rules (" + t.b.Name() + ")"
	}
	switch {
	case env.Check():
		env.Emit(event.TypeFirewallDrift, event.StatusFailed, what+"; check mode: nothing changed", t.rep)
	case live != "":
		env.Emit(event.TypeFirewallDrift, event.StatusInfo, what+"; applying the profile", t.rep)
	}
}
