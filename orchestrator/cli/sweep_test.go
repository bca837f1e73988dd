package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/phase"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// untouched is everything a sweep must leave alone on a host: every
// firewall rule of every table (without counters), and every file of /etc
// with its content and mtime (but /etc/netns, the machine's own, which
// other tests' labs change).
func untouched(t *testing.T, l *lab.Lab, h lab.Host) string {
	t.Helper()
	return onHost(t, l, h, `{ iptables-save; ip6tables-save; } 2>/dev/null | grep -v '^#' | sed 's/\[[0-9]*:[0-9]*\]//'; nft list ruleset 2>/dev/null;
		find /etc -xdev -path /etc/netns -prune -o -type f -printf '%p %T@ %s\n' | sort
		find /etc -xdev -path /etc/netns -prune -o -type f -print0 | sort -z | xargs -0 sha256sum`)
}

// codes lists a host's finding codes.
func codes(h report.Host) []string {
	var out []string
	for _, f := range h.Findings {
		out = append(out, f.Code)
	}
	return out
}

// TestSweep is the compliance sweep on real lab hosts: three hardened
// hosts, one drifted by hand (a rule opening 8080, where a decoy
// listens). The sweep finds the drift and the open port on that host only,
// reports the others compliant with their metrics, agent version, DNS and
// v4+v6 scans, records a sweep.* verdict per host, and changes nothing:
// rulesets and /etc are byte-identical afterwards. A host whose sshd is
// gone is unreachable (exit 3), never non-compliant, and the others are
// still judged.
func TestSweep(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	l := labtest.NewWith(t, 3, labtest.WithDNS)
	var hs []hostSpec
	for _, h := range l.Hosts {
		hs = append(hs, hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, %s]\n", h.Addr4, h.Addr6)})
	}
	top := fmt.Sprintf("dns:\n  nameservers: [%q]\nfirewall:\n  backend: nftables\n  confirmTimeout: 20s\n"+
		"checks:\n  ports:\n    range: 1-1024,5432,6443,8080,9100,10250\n", l.Nameservers[0])
	pb := writePlaybook(t, l, l.KnownHostsFile, top, hs...)
	db := filepath.Join(t.TempDir(), "ck8s.db")
	if r := ck8sctl(t, "harden", "-p", pb, "--db", db, "-o", "json"); r.code != ExitOK {
		t.Fatalf("harden: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	drifted := l.Hosts[1]
	// Past both the pre-DNAT guard and the input chain, as a hand edit
	// that opens a port for real must be.
	onHost(t, l, drifted, "nft insert rule inet ck8s prerouting tcp dport 8080 accept && nft insert rule inet ck8s input tcp dport 8080 accept")

	before := make([]string, len(l.Hosts))
	for i, h := range l.Hosts {
		before[i] = untouched(t, l, h)
	}
	r := ck8sctl(t, "sweep", "-p", pb, "--db", db, "-o", "json")
	rep := r.report(t)
	if r.code != ExitFailed || rep.Action != "sweep" || !rep.Check || rep.APIVersion != report.APIVersion {
		t.Fatalf("sweep: exit %d, action %s, check %t\n%s\n%s", r.code, rep.Action, rep.Check, r.stdout, r.stderr)
	}
	for i, h := range rep.Hosts {
		if h.AgentVersion == "" || h.Metrics == nil || h.Metrics.Memory.TotalBytes == 0 || len(h.Scan) != 2 || h.Facts == nil {
			t.Errorf("%s: agent %q, metrics %v, %d scans, facts %v", h.Host, h.AgentVersion, h.Metrics, len(h.Scan), h.Facts != nil)
		}
		if i == 1 {
			continue
		}
		if h.Verdict != report.Compliant || len(h.Findings) != 0 || h.Firewall == nil || h.Firewall.State != phase.FirewallCompliant {
			t.Errorf("%s: verdict %s, findings %+v, firewall %+v", h.Host, h.Verdict, h.Findings, h.Firewall)
		}
	}
	bad := rep.Hosts[1]
	if got := codes(bad); bad.Verdict != report.NonCompliant || !slices.Contains(got, phase.CodeFirewallDrift) || !slices.Contains(got, phase.CodePortUnexpectedOpen) {
		t.Errorf("drifted host: verdict %s, findings %v", bad.Verdict, got)
	}
	if f := bad.Firewall; f == nil || f.State != phase.FirewallDrift || !strings.Contains(f.Diff, "8080") {
		t.Errorf("drifted host: firewall %+v", f)
	}
	for i, h := range l.Hosts {
		if after := untouched(t, l, h); after != before[i] {
			t.Errorf("the sweep changed %s:\nbefore:\n%s\nafter:\n%s", h.Name, before[i], after)
		}
	}
	evs := storedEvents(t, db, rep.ID)
	verdicts := map[string]string{}
	for _, e := range evs {
		if strings.HasPrefix(e.Type, "sweep.") {
			verdicts[e.Host] = e.Type
		}
		if e.Type == event.TypeFirewallApplied || e.Type == event.TypeManifestsApplied {
			t.Errorf("a sweep recorded a change: %s on %s", e.Type, e.Host)
		}
	}
	want := map[string]string{l.Hosts[0].Name: action.TypeSweepCompliant, drifted.Name: action.TypeSweepNonCompliant, l.Hosts[2].Name: action.TypeSweepCompliant}
	for h, typ := range want {
		if verdicts[h] != typ {
			t.Errorf("%s: recorded %q, want %q", h, verdicts[h], typ)
		}
	}
	hist := ck8sctl(t, "events", "--db", db, "--type", action.TypeSweepNonCompliant, "--host", drifted.Name)
	if hist.code != 0 || !strings.Contains(hist.stdout, "firewall.drift") {
		t.Errorf("history of the drifted host: exit %d\n%s%s", hist.code, hist.stdout, hist.stderr)
	}

	// The table a person reads.
	tr := ck8sctl(t, "sweep", "-p", pb, "--db", db)
	for _, want := range []string{"VERDICT", "non-compliant", "critical firewall.drift", "port.unexpected_open", "2 compliant, 1 non-compliant, 0 unreachable"} {
		if !strings.Contains(tr.stdout, want) {
			t.Errorf("table lacks %q:\n%s", want, tr.stdout)
		}
	}

	// The same hosts from an Ansible inventory (the playbook gives the
	// profile and its defaults, no hosts), narrowed by an Ansible pattern.
	inv := filepath.Join(t.TempDir(), "hosts.ini")
	var ini strings.Builder
	for i, h := range l.Hosts {
		group := "web"
		if i == 2 {
			group = "db"
		}
		fmt.Fprintf(&ini, "[%s]\n%s ansible_host=%s ansible_port=%d ansible_user=root ansible_ssh_private_key_file=%s ck8s_expect_ips=\"%s,%s\"\n",
			group, h.Name, h.Addr4, h.Port, l.KeyFile, h.Addr4, h.Addr6)
	}
	writeFile(t, inv, ini.String())
	profile := filepath.Join(t.TempDir(), "profile.yaml")
	writeFile(t, profile, "domain: staging.lab.test\ndefaults:\n  knownHostsFile: "+l.KnownHostsFile+"\n"+top)
	r = ck8sctl(t, "sweep", "-p", profile, "--inventory", inv, "--limit", "web:!"+l.Hosts[0].Name, "--db", db, "-o", "json")
	rep = r.report(t)
	if r.code != ExitFailed || len(rep.Hosts) != 1 || rep.Hosts[0].Host != drifted.Name || rep.Hosts[0].Verdict != report.NonCompliant {
		t.Errorf("inventory, --limit web:!%s: exit %d, hosts %+v\n%s", l.Hosts[0].Name, r.code, rep.Hosts, r.stderr)
	}
	if r := ck8sctl(t, "sweep", "-p", profile, "--inventory", inv, "--limit", "nosuchgroup", "--db", db); r.code != ExitBadInput || !strings.Contains(r.stderr, "nosuchgroup") {
		t.Errorf("a pattern that matches nothing: exit %d, %q", r.code, r.stderr)
	}

	// A host that cannot be reached is unreachable (exit 3), not
	// non-compliant, and does not stop the others being judged.
	if err := l.StopHostSSHD(l.Hosts[2]); err != nil {
		t.Fatal(err)
	}
	r = ck8sctl(t, "sweep", "-p", pb, "--db", db, "-o", "json", "--connect-timeout", "3s")
	rep = r.report(t)
	if r.code != ExitUnreachable || rep.Hosts[2].Verdict != report.Unreachable || rep.Hosts[1].Verdict != report.NonCompliant || rep.Summary.Unreachable != 1 {
		t.Errorf("sshd down: exit %d, verdicts %s %s, summary %+v", r.code, rep.Hosts[1].Verdict, rep.Hosts[2].Verdict, rep.Summary)
	}
}

// TestSweepDNSMismatch: in a sweep a DNS preflight that fails is a
// finding, not the end of the host's checks: the firewall and the scan
// still report.
func TestSweepDNSMismatch(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	l := labtest.NewWith(t, 1, labtest.WithDNS)
	h := l.Hosts[0]
	// The zone serves the host's addresses; the playbook also expects one
	// it does not serve (a new host not in DNS yet).
	top := fmt.Sprintf("dns:\n  nameservers: [%q]\nchecks:\n  ports:\n    range: 20-30,80,443\n", l.Nameservers[0])
	pb := writePlaybook(t, l, l.KnownHostsFile, top, hostSpec{host: h, extra: fmt.Sprintf("    expectIPs: [%s, 198.18.255.250]\n", h.Addr4)})
	r := ck8sctl(t, "sweep", "-p", pb, "--db", filepath.Join(t.TempDir(), "ck8s.db"), "-o", "json")
	rep := r.report(t)
	hr := rep.Hosts[0]
	if r.code != ExitFailed || hr.Verdict != report.NonCompliant || !slices.Contains(codes(hr), phase.CodeDNSMismatch) {
		t.Fatalf("exit %d, verdict %s, findings %+v\n%s", r.code, hr.Verdict, hr.Findings, r.stderr)
	}
	if hr.Firewall == nil || len(hr.Scan) == 0 || hr.Metrics == nil {
		t.Errorf("the other checks did not report: firewall %+v, %d scans, metrics %v", hr.Firewall, len(hr.Scan), hr.Metrics != nil)
	}
}

// TestSweepBadInput: bad flags and bad inventories exit 2, naming the flag
// or the file and line, before any host or database is touched.
func TestSweepBadInput(t *testing.T) {
	agenttest.Require(t)
	dir := t.TempDir()
	pb := filepath.Join(dir, "pb.yaml")
	writeFile(t, pb, "domain: staging.lab.test\nhosts:\n  - {name: a, address: 198.18.250.11}\n")
	inv := filepath.Join(dir, "inv.ini")
	writeFile(t, inv, "[web]\na ansible_host=198.18.250.11\n[web:bogus]\n")
	db := filepath.Join(dir, "never.db")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--cert-warn", "10d", "--cert-fail", "30d"}, "--cert-fail"},
		{[]string{"--cert-warn", "soon"}, "--cert-warn"},
		{[]string{"--host-timeout", "0s"}, "--host-timeout"},
		{[]string{"-o", "xml"}, "--output"},
		{[]string{"--limit", "db"}, "db"},
		{[]string{"--inventory", inv}, "inv.ini:3"},
		{[]string{"--inventory", filepath.Join(dir, "missing.ini")}, "missing.ini"},
	} {
		r := ck8sctl(t, append([]string{"sweep", "-p", pb, "--db", db}, tc.args...)...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want 2 naming %q", tc.args, r.code, r.stderr, tc.want)
		}
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("bad input created the database: %v", err)
	}
}
