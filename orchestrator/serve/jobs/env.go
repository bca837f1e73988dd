package jobs

import (
	"log/slog"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// Env is what every run of the daemon shares: serve.yaml's playbooks and
// SSH settings, the store, the secrets to mask, the log and the metrics.
type Env struct {
	Playbooks map[string]*playbook.Playbook
	SSH       action.SSHSettings
	Forks     int
	LockWait  time.Duration
	Store     store.Store
	// Secrets (API tokens, webhook secrets) are masked in every record
	// of every run, on top of each playbook's mask: patterns.
	Secrets []string
	// Log is the daemon's handler chain before redaction; each run wraps
	// it in its own redactor and adds run=ID.
	Log *slog.Logger
	// Observe, if set, sees runs start and end (the metrics).
	Observe Observer
	// Timeout, if set, overrides the derived timeout of a run (a
	// schedule's timeout:); 0 keeps the derived one.
	Timeout func(RunArgs) time.Duration
}

// Observer is told about runs (metrics.Metrics implements it).
type Observer interface {
	RunStarted(action, trigger string)
	RunFinished(r report.Run, trigger string)
	RunAborted(action, trigger, outcome string)
	JobWait(kind string, d time.Duration)
}

// Host budgets of the derived job timeout. River's default (one minute)
// would cancel nearly every SSH run; a sweep's hosts are bounded by the
// playbook's checks.sweep.hostTimeout, a changing run's by this budget (a
// first bootstrap with a certificate issuance takes minutes).
const (
	changeHostBudget = 20 * time.Minute
	timeoutMargin    = 2 * time.Minute
)

// RunTimeout is the job timeout of a run of n hosts: the rounds of forks
// it takes, each bounded by the per-host budget, plus the lock wait and a
// margin.
func (e *Env) RunTimeout(a RunArgs, pb *playbook.Playbook, n int) time.Duration {
	if e.Timeout != nil {
		if d := e.Timeout(a); d > 0 {
			return d
		}
	}
	per := changeHostBudget
	if a.Action == action.Sweep {
		per = pb.Checks.Sweep.HostTimeout
	}
	forks := max(e.Forks, 1)
	rounds := max((n+forks-1)/forks, 1)
	return time.Duration(rounds)*per + e.LockWait + timeoutMargin
}
