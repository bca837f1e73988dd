package serve_test

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/jackc/pgx/v5"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/pgtest"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/report"
)

// rescueRunTimeout is the replicas' runTimeout: River rescues a dead
// replica's job a minute after it, plus its rescuer's interval.
const rescueRunTimeout = 40 * time.Second

// TestReplicaKilledMidRun kills -9 the replica working a harden while its
// firewall change waits for confirmation, with a second replica on the
// same PostgreSQL: the host ends the change itself (no change left
// pending), the other replica rescues the job and, the action being a
// changing one, marks the run interrupted rather than running it again
// (it never stays "running"), and its next run on the host completes the
// interrupted one from the host's journal.
func TestReplicaKilledMidRun(t *testing.T) {
	testenv.RequireRoot(t)
	agenttest.Require(t)
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	l := labtest.NewWith(t, 1, labtest.WithDNS)
	h := l.Hosts[0]
	cfg := writeConfig(t, labPlaybook(l), "runTimeout: "+rescueRunTimeout.String()+"\n")
	addrs := []string{freeAddr(t), freeAddr(t)}
	procs := []*exec.Cmd{startServe(t, cfg.Path, dsn, addrs[0]), startServe(t, cfg.Path, dsn, addrs[1])}

	onHost(t, l, h, "nft delete table inet ck8s 2>/dev/null; true") // so harden changes the firewall
	c := &client{t: t, base: "http://" + addrs[0], token: apiToken}
	id := c.start(`{"action":"harden","playbook":"staging"}`)
	c.waitFor(id, event.TypeFirewallApplied)
	worker := workingReplica(t, dsn, id, procs)
	if err := procs[worker].Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = procs[worker].Wait()
	killed := time.Now()
	noPending(t, l, h, 35*time.Second)

	other := &client{t: t, base: "http://" + addrs[1-worker], token: apiToken}
	for deadline := killed.Add(rescueRunTimeout + 3*time.Minute); ; time.Sleep(time.Second) {
		if st := runStatus(t, dsn, id); st == "interrupted" {
			t.Logf("replica %d killed at firewall.applied; run %s interrupted by the rescue after %s", worker, id, time.Since(killed).Round(time.Second))
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("run %s is still %q %s after its replica was killed", id, st, time.Since(killed).Round(time.Second))
		}
	}
	next := other.start(`{"action":"harden","playbook":"staging"}`)
	if rep := other.wait(next); rep.Status != report.RunOK {
		t.Fatalf("the next harden: %s\n%s", rep.Status, mustJSON(rep))
	}
	evs := other.events(id)
	if last := evs[len(evs)-1]; last.Type != event.TypeJournalImported || last.Status != event.StatusOK {
		t.Fatalf("interrupted run %s ends with %s %s %q, want journal.imported ok", id, last.Type, last.Status, last.Message)
	}
	if have := typesOf(evs); !slices.Contains(have, event.TypeFirewallConfirmed) && !slices.Contains(have, event.TypeFirewallRolledBack) {
		t.Errorf("interrupted run %s: %v; want the host's end of the change", id, have)
	}
}

// workingReplica is the index in procs of the replica whose River client
// works run id's job (River names clients host-pid).
func workingReplica(t *testing.T, dsn, id string, procs []*exec.Cmd) int {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var by []string
	if err := conn.QueryRow(t.Context(), `SELECT attempted_by FROM river_job WHERE id = (SELECT job_id FROM runs WHERE id = $1)`, id).Scan(&by); err != nil {
		t.Fatal(err)
	}
	if len(by) > 0 {
		pid := by[len(by)-1][strings.LastIndexByte(by[len(by)-1], '-')+1:]
		for i, p := range procs {
			if strconv.Itoa(p.Process.Pid) == pid {
				return i
			}
		}
	}
	t.Fatalf("run %s's job attempted by %v: none of the replicas", id, by)
	return -1
}

func runStatus(t *testing.T, dsn, id string) string {
	t.Helper()
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())
	var st string
	if err := conn.QueryRow(t.Context(), `SELECT status FROM runs WHERE id = $1`, id).Scan(&st); err != nil {
		t.Fatal(err)
	}
	return st
}
