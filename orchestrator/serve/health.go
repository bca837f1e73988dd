package serve

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/serve/schedule"
)

var errUnknownHook = errors.New("no such webhook")

// healthz: the process is alive and serving. Nothing else: a liveness
// probe that checks dependencies restarts a daemon for a database outage.
func (s *Server) healthz(w http.ResponseWriter, _ *http.Request) {
	writeHealth(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz: able to do its job now: the store takes writes, River works
// jobs, the scheduler beats, the SSH keys the playbooks name can be read.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{}
	ok := true
	for name, check := range map[string]func(context.Context) error{
		"store": s.storeWritable, "queue": s.queueRunning, "scheduler": s.schedulerBeating, "ssh-keys": s.keysReadable,
	} {
		if err := check(ctx); err != nil {
			checks[name], ok = err.Error(), false
		} else {
			checks[name] = "ok"
		}
	}
	code, status := http.StatusOK, "ok"
	if !ok {
		code, status = http.StatusServiceUnavailable, "unavailable"
	}
	writeHealth(w, code, map[string]any{"status": status, "checks": checks})
}

func writeHealth(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// storeWritable takes the write lock (BEGIN IMMEDIATE) and lets it go.
func (s *Server) storeWritable(ctx context.Context) error {
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `SELECT 1`)
		return err
	})
}

func (s *Server) queueRunning(context.Context) error {
	if !s.running.Load() {
		return errors.New("the River client is not running")
	}
	return nil
}

// beatGrace is how long the first heartbeat may take after start, and
// how stale the newest may be (a missed beat or two is load, not death).
const beatGrace = 3 * schedule.HeartbeatEvery

func (s *Server) schedulerBeating(ctx context.Context) error {
	last := s.lastBeatAt(ctx)
	if last.IsZero() {
		if time.Since(s.started) < beatGrace {
			return nil
		}
		return errors.New("no heartbeat job has run since start")
	}
	if age := time.Since(last); age > beatGrace {
		return fmt.Errorf("last heartbeat %s ago", age.Round(time.Second))
	}
	return nil
}

// keysReadable opens every identity file the playbooks name.
func (s *Server) keysReadable(context.Context) error {
	var files []string
	for _, pb := range s.cfg.Playbooks {
		for _, h := range pb.Hosts {
			if h.IdentityFile != "" && !slices.Contains(files, h.IdentityFile) {
				files = append(files, h.IdentityFile)
			}
		}
	}
	bad := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			bad++
			continue
		}
		fh.Close()
	}
	if bad > 0 {
		// No paths or errors: /readyz answers without a token.
		return fmt.Errorf("%d of %d identity file(s) cannot be read (see the playbooks' identityFile)", bad, len(files))
	}
	return nil
}
