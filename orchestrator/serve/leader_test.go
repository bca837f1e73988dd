package serve_test

import (
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/ck8s/ck8sctl/internal/pgtest"
)

// schedulePeriod is the test schedule's period: short, so that a minute
// holds several.
const schedulePeriod = 15 * time.Second

// TestScheduleOncePerPeriodAcrossReplicas runs a schedule on two replicas
// of one PostgreSQL and kills -9 River's leader in the middle of a period:
// no period ever gets two runs (River's periodic jobs fire on the leader
// only, and their uniqueness by period holds across leaders), and the
// surviving replica, elected, keeps firing.
func TestScheduleOncePerPeriodAcrossReplicas(t *testing.T) {
	pg := pgtest.Start(t)
	dsn := pg.NewDatabase(t)
	cfg := writeConfig(t, offlinePlaybook, "ssh: {connectTimeout: 1s}\nschedules:\n"+
		"  - {name: fast, playbook: staging, action: sweep, cron: '@every "+schedulePeriod.String()+"'}\n")
	procs := []*exec.Cmd{startServe(t, cfg.Path, dsn, freeAddr(t)), startServe(t, cfg.Path, dsn, freeAddr(t))}
	conn, err := pgx.Connect(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(t.Context())

	time.Sleep(2*schedulePeriod + schedulePeriod/2) // into the middle of a period
	var leader string
	if err := conn.QueryRow(t.Context(), `SELECT leader_id FROM river_leader`).Scan(&leader); err != nil {
		t.Fatal(err)
	}
	killed := -1
	for i, p := range procs {
		if strings.HasSuffix(leader, "-"+strconv.Itoa(p.Process.Pid)) {
			killed = i
		}
	}
	if killed < 0 {
		t.Fatalf("leader %q is none of the replicas", leader)
	}
	_ = procs[killed].Process.Signal(syscall.SIGKILL)
	_ = procs[killed].Wait()
	time.Sleep(4 * schedulePeriod)

	rows, err := conn.Query(t.Context(), `SELECT created_at FROM river_job
		WHERE kind = 'ck8s_run' AND args->>'trigger' = 'schedule:fast' ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	fires, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		t.Fatal(err)
	}
	perPeriod := map[int64]int{}
	for _, f := range fires {
		perPeriod[f.Unix()/int64(schedulePeriod.Seconds())]++
	}
	for p, n := range perPeriod {
		if n > 1 {
			t.Errorf("period starting %s has %d runs, want one", time.Unix(p*int64(schedulePeriod.Seconds()), 0).UTC(), n)
		}
	}
	after := 0
	for _, f := range fires {
		if f.After(time.Now().Add(-3 * schedulePeriod)) {
			after++
		}
	}
	// Leader election after a kill takes a few seconds; the last three
	// periods are well after it.
	if after < 2 {
		t.Errorf("%d fires in the last %s, after leader %s was killed: the survivor does not schedule (fires %v)", after, 3*schedulePeriod, leader, fires)
	}
	t.Logf("%d fires in %d periods; leader %s killed mid-period", len(fires), len(perPeriod), leader)
}
