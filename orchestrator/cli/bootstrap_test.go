package cli

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap"
	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

func TestBootstrapThreeHostsThenNoUpload(t *testing.T) {
	l := newLab(t, 3)
	pb := writePlaybook(t, l, l.KnownHostsFile, "", specs(l)...)
	db := filepath.Join(t.TempDir(), "ck8s.db")

	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := r.report(t)
	if len(rep.Hosts) != 3 {
		t.Fatalf("report has %d hosts, want 3", len(rep.Hosts))
	}
	for i, h := range rep.Hosts {
		if h.Status != phase.StatusOK || !h.Uploaded {
			t.Errorf("%s: status %s uploaded %v, want ok and uploaded on the first run", h.Host, h.Status, h.Uploaded)
		}
		if got := stepNames(h); got != "dns:ok,facts:ok,firewall:changed,metrics:ok,listeners:ok" {
			t.Errorf("%s: steps %s", h.Host, got)
		}
		if h.Facts == nil || h.Facts.Hostname != l.Hosts[i].Name {
			t.Errorf("%s: facts hostname %+v, want the lab host's own name", h.Host, h.Facts)
		} else if fw := h.Facts.Firewall; fw.Auto == "" || h.Firewall == nil || h.Firewall.State != phase.FirewallConfirmed {
			t.Errorf("%s: facts say auto picks %q; firewall outcome %+v, want a choice and confirmed", h.Host, fw.Auto, h.Firewall)
		}
	}
	assertStoredRun(t, db, rep.ID, 3)
	assertEventsCommand(t, db, rep.ID)

	// The agent is on every host now: a second run uploads nothing.
	r = ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("second run: exit %d\n%s", r.code, r.stderr)
	}
	for _, h := range r.report(t).Hosts {
		if h.Uploaded {
			t.Errorf("%s: agent uploaded again on the second run", h.Host)
		}
	}
}

// assertStoredRun checks every host's events are stored, contiguous from 1,
// opened by agent.hello and closed by bootstrap.finished.
func assertStoredRun(t *testing.T, db, runID string, hosts int) {
	t.Helper()
	byHost := map[string][]event.Event{}
	for _, e := range storedEvents(t, db, runID) {
		byHost[e.Host] = append(byHost[e.Host], e)
	}
	if len(byHost) != hosts {
		t.Fatalf("events stored for %d hosts, want %d", len(byHost), hosts)
	}
	for h, evs := range byHost {
		types := map[string]bool{}
		for i, e := range evs {
			if e.Seq != int64(i+1) {
				t.Fatalf("%s: event %d has seq %d: sequence not contiguous", h, i, e.Seq)
			}
			types[e.Type] = true
		}
		for _, want := range []string{event.TypeHello, event.TypeFactsCollected, event.TypeMetricsCollected, event.TypeBootstrapFinished} {
			if !types[want] {
				t.Errorf("%s: no %s event stored", h, want)
			}
		}
		if last := evs[len(evs)-1]; last.Type != event.TypeBootstrapFinished {
			t.Errorf("%s: last event is %s", h, last.Type)
		}
	}
}

// assertEventsCommand reads the run back through `ck8sctl events`.
func assertEventsCommand(t *testing.T, db, runID string) {
	t.Helper()
	r := ck8sctl(t, "events", "--db", db, "--run", runID, "--host", "lab-2", "--type", event.TypeFactsCollected, "-o", "json")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != ExitOK || len(lines) != 1 || !strings.Contains(lines[0], `"host":"lab-2"`) || !strings.Contains(lines[0], `"hostname":"lab-2"`) {
		t.Fatalf("events --host lab-2 --type facts.collected: exit %d, %d line(s):\n%s", r.code, len(lines), r.stdout)
	}
	r = ck8sctl(t, "events", "--db", db, "--run", "last", "--type", event.TypeHello, "-o", "json")
	if n := strings.Count(r.stdout, runID); r.code != ExitOK || n != 3 {
		t.Fatalf("events --run last: exit %d, %d hello events of run %s, want 3\n%s", r.code, n, runID, r.stdout)
	}
	r = ck8sctl(t, "events", "--db", db, "--since", "1h")
	if r.code != ExitOK || strings.Count(r.stdout, "bootstrap.finished") != 3 || !strings.HasPrefix(r.stdout, "TIME") {
		t.Fatalf("events --since 1h (table): exit %d\n%s", r.code, r.stdout)
	}
}

func stepNames(h report.Host) string {
	var s []string
	for _, st := range h.Steps {
		s = append(s, st.Name+":"+string(st.Status))
	}
	return strings.Join(s, ",")
}

func TestCorruptedAgentIsReplacedNeverRun(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	pb := writePlaybook(t, l, l.KnownHostsFile, "", specs(l)...)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	// A "corrupted agent" that would leave a mark if it were ever executed.
	onHost(t, l, h, `mkdir -p /var/lib/ck8s/bin && printf '#!/bin/sh\ntouch /var/lib/ck8s/corrupt-ran\n' > /var/lib/ck8s/bin/ck8s-agent && chmod 755 /var/lib/ck8s/bin/ck8s-agent`)

	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if !r.report(t).Hosts[0].Uploaded {
		t.Error("corrupted agent was not replaced")
	}
	out := onHost(t, l, h, `sha256sum /var/lib/ck8s/bin/ck8s-agent; ls -a /var/lib/ck8s; ls -a /var/lib/ck8s/bin`)
	// The lab's playbook has no manifests section: the light build.
	want, _ := bootstrap.Agent("amd64")
	if want.Light == nil || !strings.HasPrefix(out, want.Light.SHA256) {
		t.Errorf("agent on host has the wrong hash (want the light build's):\n%s", out)
	}
	if strings.Contains(out, "corrupt-ran") || strings.Contains(out, ".tmp") {
		t.Errorf("the corrupted agent ran, or a temp file was left:\n%s", out)
	}
}

func TestConcurrentRunsOnOneHostSerialise(t *testing.T) {
	l := newLab(t, 1)
	pb := writePlaybook(t, l, l.KnownHostsFile, "", specs(l)...)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	// Warm up so both runs race on the agent run, not the upload.
	if r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db); r.code != ExitOK {
		t.Fatalf("warm-up: exit %d\n%s", r.code, r.stderr)
	}
	var wg sync.WaitGroup
	ids := make([]string, 2)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "-o", "json")
			if r.code != ExitOK {
				t.Errorf("run %d: exit %d\n%s", i, r.code, r.stderr)
				return
			}
			ids[i] = r.report(t).ID
		}()
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	span := func(id string) (start, end time.Time) {
		for _, e := range storedEvents(t, db, id) {
			switch e.Type {
			case event.TypeBootstrapStarted:
				start = e.Time
			case event.TypeBootstrapFinished:
				end = e.Time
			}
		}
		return
	}
	s0, e0 := span(ids[0])
	s1, e1 := span(ids[1])
	if s0.IsZero() || s1.IsZero() || e0.IsZero() || e1.IsZero() {
		t.Fatalf("missing start/finish events: %v %v %v %v", s0, e0, s1, e1)
	}
	if s0.Before(e1) && s1.Before(e0) {
		t.Fatalf("runs interleaved on one host: [%s, %s] and [%s, %s]", s0, e0, s1, e1)
	}
}

func TestSudoUser(t *testing.T) {
	l := newLab(t, 2)
	specs := []hostSpec{
		{host: l.Hosts[0], user: l.SudoUser, sudo: true},
		{host: l.Hosts[1], user: l.PasswordSudoUser, sudo: true},
	}
	pb := writePlaybook(t, l, l.KnownHostsFile, "", specs...)
	start := time.Now()
	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", filepath.Join(t.TempDir(), "db"), "-o", "json")
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d, want 3 (the password-sudo host)\n%s", r.code, r.stderr)
	}
	rep := r.report(t)
	if h := rep.Hosts[0]; h.Status != phase.StatusOK || !h.Uploaded {
		t.Errorf("NOPASSWD sudo host: %s %s", h.Status, h.Error)
	}
	if h := rep.Hosts[1]; h.Status != phase.StatusUnreachable || !strings.Contains(h.Error, "password") {
		t.Errorf("password-sudo host: %s %q, want unreachable naming the password", h.Status, h.Error)
	}
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("sudo password refusal took %s: should fail fast", d)
	}
	// The agent was installed by root, through sudo, in a root-owned place.
	out := onHost(t, l, l.Hosts[0], "stat -c '%U %a' /var/lib/ck8s /var/lib/ck8s/bin/ck8s-agent")
	if out != "root 700\nroot 755\n" {
		t.Errorf("ownership on host: %q", out)
	}
}

func TestProxyJumpThroughBastion(t *testing.T) {
	l := newLab(t, 2)
	bastion, target := l.Hosts[0], l.Hosts[1]
	// Only the bastion may reach the target's sshd: a direct connection from
	// the orchestrator is dropped, so success proves the jump was taken.
	onHost(t, l, target, fmt.Sprintf("iptables -I INPUT -p tcp --dport 22 -s %s -j DROP", l.Gateway4))

	direct := writePlaybook(t, l, l.KnownHostsFile, "", hostSpec{host: target})
	r := ck8sctl(t, "bootstrap", "-p", direct, "--db", filepath.Join(t.TempDir(), "db"), "--connect-timeout", "2s")
	if r.code != ExitUnreachable {
		t.Fatalf("direct connection: exit %d, want 3", r.code)
	}
	jumped := writePlaybook(t, l, l.KnownHostsFile, "", hostSpec{host: bastion}, hostSpec{host: target, jump: bastion.Name})
	r = ck8sctl(t, "bootstrap", "-p", jumped, "--db", filepath.Join(t.TempDir(), "db"), "-o", "json", "--limit", target.Name)
	if r.code != ExitOK {
		t.Fatalf("through the bastion: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if h := r.report(t).Hosts[0]; h.Facts == nil || h.Facts.Hostname != target.Name {
		t.Errorf("facts came from %+v, want %s", h.Facts, target.Name)
	}
}

// A run that cannot get the host lock in time gives up with exit 3 and
// names the run holding it.
func TestHostLockHeldExit3(t *testing.T) {
	l := newLab(t, 1)
	h := l.Hosts[0]
	pb := writePlaybook(t, l, l.KnownHostsFile, "", specs(l)...)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	if r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db); r.code != ExitOK {
		t.Fatalf("warm-up: exit %d\n%s", r.code, r.stderr)
	}
	// Hold the lock as a run would: flock on the lock file, holder recorded.
	holder := `{"runId":"run-holding-the-lock","pid":1,"started":"2026-11-28T00:00:00Z"}`
	hold := exec.Command("ip", "netns", "exec", h.NetNS, "nsenter", "-t", strconv.Itoa(l.SSHDPID(h)), "-m", "--",
		"flock", "/var/lib/ck8s/lock", "sh", "-c", "printf '%s' '"+holder+"' > /var/lib/ck8s/lock; sleep 30")
	if err := hold.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { hold.Process.Kill(); hold.Wait() })
	waitFor(t, func() bool {
		return strings.Contains(onHost(t, l, h, "cat /var/lib/ck8s/lock"), "run-holding-the-lock")
	})

	r := ck8sctl(t, "bootstrap", "-p", pb, "--db", db, "--lock-wait", "1s", "-o", "json")
	if r.code != ExitUnreachable {
		t.Fatalf("exit %d, want 3\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if e := r.report(t).Hosts[0].Error; !strings.Contains(e, "busy") || !strings.Contains(e, "run-holding-the-lock") {
		t.Errorf("error %q should say the host is busy and name the holding run", e)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}
