package serve_test

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"
)

// TestKill9DuringIngest kills serve with SIGKILL while webhook deliveries
// pour in, and starts it again on the same database: every delivery that
// was answered 202 has its run and its River job after the restart, and
// no run is left "running" by the dead process.
func TestKill9DuringIngest(t *testing.T) {
	cfg := writeConfig(t, offlinePlaybook, "")
	db := filepath.Join(t.TempDir(), "serve.db")
	addr := freeAddr(t)
	base := "http://" + addr

	first := startServe(t, cfg.Path, db, addr)
	var mu sync.Mutex
	var accepted []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := http.DefaultClient.Do(signed(t, base+"/v1/hooks/deploy", fmt.Sprintf("k-%d-%d", w, i), `{}`, hookSecret, time.Now()))
				if err != nil {
					continue // the process is gone: nothing was acknowledged
				}
				var body struct{ RunID string }
				_ = json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode == http.StatusAccepted {
					mu.Lock()
					accepted = append(accepted, body.RunID)
					mu.Unlock()
				}
			}
		}()
	}
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(20 * time.Millisecond) {
		mu.Lock()
		n := len(accepted)
		mu.Unlock()
		if n >= 150 || time.Now().After(deadline) {
			break
		}
	}
	if err := first.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	close(stop)
	wg.Wait()
	running := queryStrings(t, db, `SELECT id FROM runs WHERE status = 'running'`)

	second := startServe(t, cfg.Path, db, addr)
	c := &client{t: t, base: base}
	for _, id := range accepted {
		var run struct{ RunID, Status string }
		if code := c.get("/v1/runs/"+id, &run); code != http.StatusOK {
			t.Errorf("run %s was acknowledged (202) and is gone after kill -9: %d", id, code)
		}
	}
	for _, id := range running {
		var run struct{ Status string }
		c.get("/v1/runs/"+id, &run)
		if run.Status == "running" {
			t.Errorf("run %s, running when serve was killed, is still running after the restart", id)
		}
	}
	_ = second.Process.Signal(syscall.SIGTERM)
	_ = second.Wait()
	jobs := queryStrings(t, db, `SELECT r.id FROM runs r JOIN river_job j ON j.args ->> 'runId' = r.id WHERE r.attempt = 1`)
	have := map[string]bool{}
	for _, id := range jobs {
		have[id] = true
	}
	for _, id := range accepted {
		if !have[id] {
			t.Errorf("acknowledged run %s has no River job after the restart", id)
		}
	}
	t.Logf("%d deliveries acknowledged before kill -9; %d runs were running, now interrupted", len(accepted), len(running))
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startServe runs `ck8sctl serve` (this test binary as ck8sctl) and waits
// for /healthz.
func startServe(t *testing.T, config, db, addr string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, "--log-level", "info", "serve", "--config", config, "--db", db, "--listen", addr)
	cmd.Env = append(os.Environ(), asCLIEnv+"=1")
	logf, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			out, _ := os.ReadFile(logf.Name())
			t.Logf("serve's log:\n%s", out)
		}
	})
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			return cmd
		}
	}
	out, _ := os.ReadFile(logf.Name())
	t.Fatalf("serve did not come up on %s:\n%s", addr, out)
	return nil
}

func queryStrings(t *testing.T, path, q string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}
