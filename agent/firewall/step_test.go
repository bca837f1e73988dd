package firewall

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	osexec "os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/agent/step"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/testenv"
)

// The backends the transaction is tested with: nftables, and iptables in
// the machine's default variant (iptables-nft on Debian 12). Legacy
// iptables has its own test (TestAutoKeepsToLegacyIPTables).
var testBackends = []string{NameNFTables, NameIPTables}

func TestStepNeedsItsPlanSection(t *testing.T) {
	env := step.NewEnv(&plan.Plan{RunID: "r1"}, t.TempDir(), "firewall", nil, nil)
	err := New().Run(context.Background(), env)
	if err == nil || !strings.Contains(err.Error(), `no "firewall" section`) {
		t.Fatalf("err = %v, want one naming the missing section", err)
	}
}

func TestStepRefusesToExecATestBinary(t *testing.T) {
	if _, err := (Step{}).self(); err == nil || !strings.Contains(err.Error(), "test binary") {
		t.Fatalf("self() = %v, want a refusal", err)
	}
}

func TestCheckModeReportsDriftAndChangesNothing(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		o := h.run(t.Context(), h.plan(true, time.Minute, 80, 443), Step{}, nil)
		if o.err != nil || o.changed {
			t.Fatalf("check run: err %v, changed %v", o.err, o.changed)
		}
		drift := find(t, o.events, event.TypeFirewallDrift)
		diff := reportOf(t, drift).Diff
		if drift.Status != event.StatusFailed || !strings.Contains(diff, "--- live (") || !strings.Contains(diff, "+++ expected (profile)") {
			t.Errorf("drift: status %s, diff:\n%s", drift.Status, diff)
		}
		for line := range strings.Lines(diff) {
			if strings.HasPrefix(line, "-") && !strings.HasPrefix(line, "---") {
				t.Errorf("a fresh host has nothing to remove, diff says %q", line)
			}
		}
		if e := find(t, o.events, step.TypeChangePlanned); !strings.Contains(e.Message, "would apply firewall profile ("+h.backend+")") {
			t.Errorf("planned: %q", e.Message)
		}
		if s := h.state(); s != "" {
			t.Errorf("check mode changed the firewall:\n%s", s)
		}
		if h.pending() != nil || len(h.watchdogs()) > 0 {
			t.Error("check mode left a pending change or a watchdog")
		}
	})
}

func TestApplyAndConfirm(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	// Others' rules, as kube-proxy and a hand-made nftables table leave
	// them: the scratch namespace lacks them, the host keeps them, and
	// neither may make the host look drifted.
	if out, err := runCmd("sh", "-ec", `iptables -N KUBE-FIREWALL; iptables -I INPUT -j KUBE-FIREWALL
		ip6tables -N KUBE-FIREWALL; ip6tables -A INPUT -j KUBE-FIREWALL
		nft add table inet other; nft add chain inet other input '{ type filter hook input priority 10; }'`); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		confirmed := make(chan cliResult, 1)
		o := h.run(t.Context(), h.plan(false, time.Minute, 80, 443), Step{}, h.confirmOnApplied(confirmed))
		if o.err != nil || !o.changed {
			t.Fatalf("apply: err %v, changed %v", o.err, o.changed)
		}
		if got, want := types(o.events), []string{event.TypeFirewallApplied, event.TypeFirewallConfirmed, event.TypeFirewallPersisted}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		c := <-confirmed
		applied := reportOf(t, find(t, o.events, event.TypeFirewallApplied))
		checkConfirmed(t, h, applied.ID, c)
		if w := h.watchdogs(); len(w) > 0 { // the confirm waited for it to go
			t.Errorf("watchdog process(es) %v left after the confirm", w)
		}
		checkLiveIsExpected(t, h)

		again := h.run(t.Context(), h.plan(false, time.Minute, 80, 443), Step{}, nil)
		if again.err != nil || again.changed || !slices.Equal(types(again.events), []string{event.TypeFirewallCompliant}) {
			t.Errorf("second run: err %v, changed %v, events %v; want compliant and unchanged", again.err, again.changed, types(again.events))
		}
		// The second run took its expectation from the cache the first
		// left; a wrong cache is recomputed, never acted on.
		cached, _ := filepath.Glob(filepath.Join(txnDir(h.stateDir), "expect-*.txt"))
		if len(cached) != 1 {
			t.Fatalf("cached expectations %v, want one", cached)
		}
		if err := os.WriteFile(cached[0], []byte("ipv4 filter -N CK8S-STALE\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		third := h.run(t.Context(), h.plan(false, time.Minute, 80, 443), Step{}, nil)
		if third.err != nil || third.changed || !slices.Equal(types(third.events), []string{event.TypeFirewallCompliant}) {
			t.Errorf("run with a stale cache: err %v, changed %v, events %v; want compliant and unchanged", third.err, third.changed, types(third.events))
		}
		re := h.cli("firewall-confirm", "--state-dir", h.stateDir, "--id", applied.ID)
		if re.code != 0 || re.stdout != c.stdout {
			t.Errorf("re-confirm: exit %d stdout %s stderr %s; want 0 and the stored result %s", re.code, re.stdout, re.stderr, c.stdout)
		}
	})
}

// TestApplyConfirmedByRequest: on each backend, the request file that
// firewall.applied names, created from another process as ck8sctl does
// over a new connection, keeps the change: the watchdog confirms it,
// saves it for boot, and is gone.
func TestApplyConfirmedByRequest(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		requested := make(chan error, 1)
		o := h.run(t.Context(), h.plan(false, time.Minute, 80, 443), Step{}, h.confirmByRequest(requested))
		if err := <-requested; err != nil {
			t.Fatalf("the confirm request: %v", err)
		}
		if o.err != nil || !o.changed {
			t.Fatalf("apply: err %v, changed %v", o.err, o.changed)
		}
		if got, want := types(o.events), []string{event.TypeFirewallApplied, event.TypeFirewallConfirmed, event.TypeFirewallPersisted}; !slices.Equal(got, want) {
			t.Errorf("events %v, want %v", got, want)
		}
		id := reportOf(t, find(t, o.events, event.TypeFirewallApplied)).ID
		if r := h.result(id); r == nil || r.State != StateConfirmed || len(r.Persisted) == 0 || r.PersistError != "" || len(r.Warnings) > 0 {
			t.Errorf("result %+v", r)
		}
		h.waitNoWatchdog()
		if left, _ := filepath.Glob(filepath.Join(txnDir(h.stateDir), "confirm-*")); len(left) > 0 {
			t.Errorf("requests left behind: %v", left)
		}
		checkLiveIsExpected(t, h)
	})
}

// checkConfirmed checks the confirm command's reply and what it left.
func checkConfirmed(t *testing.T, h *host, id string, c cliResult) {
	t.Helper()
	var r Result
	if err := json.Unmarshal([]byte(c.stdout), &r); c.code != 0 || err != nil {
		t.Fatalf("firewall-confirm: exit %d, stdout %q (%v), stderr %s", c.code, c.stdout, err, c.stderr)
	}
	if r.ID != id || r.State != StateConfirmed || len(r.Persisted) == 0 || r.PersistError != "" || len(r.Warnings) > 0 {
		t.Errorf("result = %+v", r)
	}
	for _, f := range r.Persisted {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("persisted file: %v", err)
		}
	}
	var a Applied
	if err := readJSON(txnDir(h.stateDir)+"/"+appliedFile, &a); err != nil || a.ID != id || a.State != h.state() {
		t.Errorf("applied.json = %+v (%v)", a, err)
	}
	if h.pending() != nil {
		t.Error("pending.json left after the confirm")
	}
}

func checkLiveIsExpected(t *testing.T, h *host) {
	t.Helper()
	c, _ := h.backendOf()
	pl := h.plan(false, time.Minute, 80, 443)
	p, err := profileOf(step.NewEnv(pl, "/", "firewall", nil, nil), pl.Firewall)
	if err != nil {
		t.Fatal(err)
	}
	want, err := expected(t.Context(), c, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	if live := h.state(); live != want || live == "" {
		t.Errorf("live rules differ from the expected ones:\n%s", Diff(live, want, h.backend))
	}
}

func TestNoConfirmRollsBack(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		id := rollbackRun(t, h, "")

		// From an older, confirmed profile: back to exactly that.
		confirmed := make(chan cliResult, 1)
		if o := h.run(t.Context(), h.plan(false, time.Minute, 80), Step{}, h.confirmOnApplied(confirmed)); o.err != nil {
			t.Fatal(o.err)
		}
		<-confirmed
		older := h.state()
		rollbackRun(t, h, older)

		late := h.cli("firewall-confirm", "--state-dir", h.stateDir, "--id", id)
		if late.code != 1 || !strings.Contains(late.stderr, "too late: change "+id+" was rolled back at") || !strings.Contains(late.stdout, `"rolled-back"`) {
			t.Errorf("confirm after the rollback: exit %d\nstdout %s\nstderr %s", late.code, late.stdout, late.stderr)
		}
	})
}

// rollbackRun applies a new profile nobody confirms and checks that the
// watchdog puts the rules back to before; it returns the change id.
func rollbackRun(t *testing.T, h *host, before string) string {
	t.Helper()
	o := h.run(t.Context(), h.plan(false, 2*time.Second, 80, 443, 8443), Step{}, nil)
	var rb *RolledBackError
	if !errors.As(o.err, &rb) || !errors.Is(o.err, step.ErrAbort) {
		t.Fatalf("err = %v, want a *RolledBackError that aborts the run", o.err)
	}
	if got := types(o.events); got[len(got)-2] != event.TypeFirewallApplied || got[len(got)-1] != event.TypeFirewallRolledBack {
		t.Errorf("events %v, want applied then rolled_back", got)
	}
	e := find(t, o.events, event.TypeFirewallRolledBack)
	r := reportOf(t, e).Result
	if e.Status != event.StatusFailed || r == nil || r.State != StateRolledBack || r.Reason != "no confirmation within 2s" {
		t.Errorf("rolled_back: status %s, result %+v", e.Status, r)
	}
	if s := h.state(); s != before {
		t.Errorf("after the rollback:\n%s\nwant\n%s", s, before)
	}
	h.waitNoWatchdog()
	if h.pending() != nil {
		t.Error("pending.json left after the rollback")
	}
	return rb.ID
}

// TestStalePendingRolledBackByNextRun: the agent and its watchdog die
// (a crash, a reboot) with a change unconfirmed; the next run rolls it
// back before doing anything else.
func TestStalePendingRolledBackByNextRun(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	h := newHost(t, agent, NameNFTables)
	ctx, crash := context.WithCancel(t.Context())
	o := h.run(ctx, h.plan(false, time.Minute, 80), Step{}, map[string]func(event.Event){
		event.TypeFirewallApplied: func(event.Event) { killWatchdog(t, h); crash() },
	})
	p := h.pending()
	if o.err == nil || p == nil || h.state() == "" {
		t.Fatalf("crashed run: err %v, pending %v; want an interrupted run with its change in place", o.err, p)
	}

	confirmed := make(chan cliResult, 1)
	next := h.run(t.Context(), h.plan(false, time.Minute, 443), Step{}, h.confirmOnApplied(confirmed))
	<-confirmed
	want := []string{event.TypeFirewallRolledBack, event.TypeFirewallApplied, event.TypeFirewallConfirmed, event.TypeFirewallPersisted}
	if next.err != nil || !slices.Equal(types(next.events), want) {
		t.Fatalf("next run: err %v, events %v; want %v", next.err, types(next.events), want)
	}
	if e := next.events[slices.IndexFunc(next.events, func(e event.Event) bool { return e.Type == event.TypeFirewallRolledBack })]; e.Status != event.StatusInfo || reportOf(t, e).ID != p.ID {
		t.Errorf("rolled_back: status %s, data %s", e.Status, e.Data)
	}
	if r := h.result(p.ID); r == nil || r.State != StateRolledBack || !strings.Contains(r.Reason, "watchdog") {
		t.Errorf("result of the stale change: %+v", r)
	}
}

// TestMissingWatchdogStepRollsBack: a watchdog that dies while the step
// waits does not leave the change in place.
func TestMissingWatchdogStepRollsBack(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	h := newHost(t, agent, NameNFTables)
	o := h.run(t.Context(), h.plan(false, time.Second, 80), Step{Grace: time.Second}, map[string]func(event.Event){
		event.TypeFirewallApplied: func(event.Event) { killWatchdog(t, h) },
	})
	var rb *RolledBackError
	if !errors.As(o.err, &rb) || !strings.Contains(rb.Reason, "rolled back by the agent") {
		t.Fatalf("err = %v, want a rollback by the step itself", o.err)
	}
	if s := h.state(); s != "" || h.pending() != nil {
		t.Errorf("after the rollback: pending %v, state\n%s", h.pending(), s)
	}
}

// killWatchdog SIGKILLs the pending change's watchdog and waits until it
// is gone.
func killWatchdog(t *testing.T, h *host) {
	p := h.pending()
	proc, err := os.FindProcess(p.WatchdogPID)
	if err != nil || proc.Kill() != nil {
		t.Errorf("killing the watchdog %d: %v", p.WatchdogPID, err)
	}
	h.waitNoWatchdog()
}

// TestAutoKeepsToLegacyIPTables: a host whose rules live in legacy
// iptables (kube-proxy in legacy mode) gets its profile there too, and the
// transaction works the same.
func TestAutoKeepsToLegacyIPTables(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	testenv.RequireCommand(t, "iptables-legacy")
	if out, err := runCmd("iptables-legacy", "-N", "KUBE-FIREWALL"); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	h := newHost(t, agent, "auto")
	c, b := h.backendOf()
	if c.Backend != NameIPTables || b.Variant() != "legacy" {
		t.Fatalf("auto chose %+v variant %q, want legacy iptables", c, b.Variant())
	}
	confirmed := make(chan cliResult, 1)
	o := h.run(t.Context(), h.plan(false, time.Minute, 80, 443), Step{}, h.confirmOnApplied(confirmed))
	if o.err != nil {
		t.Fatal(o.err)
	}
	checkConfirmed(t, h, reportOf(t, find(t, o.events, event.TypeFirewallApplied)).ID, <-confirmed)
	if out, _ := runCmd("iptables-legacy-save"); !strings.Contains(out, "-A INPUT -j CK8S-INPUT") || !strings.Contains(out, ":KUBE-FIREWALL") {
		t.Errorf("legacy tables:\n%s", out)
	}
	rollbackRun(t, h, h.state())
}

func runCmd(name string, args ...string) (string, error) {
	out, err := osexec.Command(name, args...).CombinedOutput()
	return string(out), err
}

// TestNoPersistWritesNothing: with persist off, a confirmed change is live
// but no boot file is written: a reboot brings back the host's own rules.
func TestNoPersistWritesNothing(t *testing.T) {
	agent, ok := isolate(t)
	if !ok {
		return
	}
	eachBackend(t, agent, func(t *testing.T, h *host) {
		p := h.plan(false, time.Minute, 80, 443)
		p.Firewall.Persist = false
		confirmed := make(chan cliResult, 1)
		o := h.run(t.Context(), p, Step{}, h.confirmOnApplied(confirmed))
		<-confirmed
		if got, want := types(o.events), []string{event.TypeFirewallApplied, event.TypeFirewallConfirmed}; o.err != nil || !slices.Equal(got, want) {
			t.Fatalf("err %v, events %v; want %v", o.err, got, want)
		}
		for _, f := range []string{"/etc/iptables/rules.v4", "/etc/iptables/rules.v6", "/etc/nftables.d/ck8s.nft"} {
			if _, err := os.Stat(f); err == nil {
				t.Errorf("%s written with persist off", f)
			}
		}
		if h.state() == "" {
			t.Error("nothing applied")
		}
	})
}
