package serve

import (
	"context"
	"os"
	"strings"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/serve/config"
	"github.com/ck8s/ck8sctl/orchestrator/serve/jobs"
	"github.com/ck8s/ck8sctl/orchestrator/serve/schedule"
)

func passphrase() string { return os.Getenv(action.PassphraseEnv) }

func specs(c *config.Config) []schedule.Spec {
	out := make([]schedule.Spec, 0, len(c.Schedules))
	for _, sc := range c.Schedules {
		out = append(out, schedule.Spec{Name: sc.Name, Playbook: sc.Playbook, Action: sc.Action,
			Limit: sc.Limit, Cron: sc.Schedule, Period: sc.Period, Splay: sc.Splay})
	}
	return out
}

// scheduleTimeout is a run's configured timeout: its schedule's own, or
// serve's runTimeout; 0 lets the playbook decide (Env.RunTimeout).
func (s *Server) scheduleTimeout(a jobs.RunArgs) time.Duration {
	if name, ok := strings.CutPrefix(a.Trigger, "schedule:"); ok {
		for _, sc := range s.cfg.Schedules {
			if sc.Name == name && sc.Timeout > 0 {
				return sc.Timeout
			}
		}
	}
	return s.cfg.RunTimeout
}

// maxTimeout is the longest timeout any run of this configuration can
// get: every playbook's whole fleet, the longest action, or a schedule's
// own timeout. River's stuck-job rescue waits longer than that.
func (s *Server) maxTimeout() time.Duration {
	longest := time.Duration(0)
	for _, pb := range s.cfg.Playbooks {
		for _, name := range action.Names() {
			longest = max(longest, s.env.RunTimeout(jobs.RunArgs{Action: name}, pb, len(pb.Hosts)))
		}
	}
	for _, sc := range s.cfg.Schedules {
		longest = max(longest, sc.Timeout)
	}
	return longest
}

func (s *Server) queueDepth() map[string]float64 {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	out := map[string]float64{"available": 0, "running": 0, "retryable": 0, "scheduled": 0}
	rows, err := s.db.Reader().QueryContext(ctx, `SELECT state, count(*) FROM river_job
		WHERE state IN ('available', 'running', 'retryable', 'scheduled') GROUP BY state`)
	if err != nil {
		return out
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n float64
		if rows.Scan(&state, &n) == nil {
			out[state] = n
		}
	}
	return out
}
