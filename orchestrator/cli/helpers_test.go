package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/ck8s/ck8sctl/orchestrator/report"
	"github.com/ck8s/ck8sctl/orchestrator/store"
)

// asCLIEnv makes the test binary run as ck8sctl itself, for tests that
// need a ck8sctl process to kill.
const asCLIEnv = "CK8S_TEST_AS_CK8SCTL"

func TestMain(m *testing.M) {
	if os.Getenv(asCLIEnv) == "1" {
		os.Exit(Process())
	}
	labtest.Main(m)
}

// result is one in-process ck8sctl invocation.
type result struct {
	stdout, stderr string
	code           int
}

func ck8sctl(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(append([]string{"ck8sctl"}, args...), strings.NewReader(""), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// report decodes a -o json run report.
func (r result) report(t *testing.T) report.Run {
	t.Helper()
	var rep report.Run
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("decoding the JSON report: %v\nstdout:\n%s\nstderr:\n%s", err, r.stdout, r.stderr)
	}
	return rep
}

// newLab brings up a lab for t and checks the agents are embedded.
func newLab(t *testing.T, n int) *lab.Lab {
	t.Helper()
	testenv.RequireRoot(t)
	agenttest.Require(t)
	return labtest.New(t, n)
}

// hostSpec overrides one lab host's playbook entry.
type hostSpec struct {
	host         lab.Host
	user         string
	sudo         bool
	jump         string
	identityFile string
	extra        string // raw YAML lines appended to the host entry
}

// writePlaybook writes a playbook for hosts into a temp dir.
func writePlaybook(t *testing.T, l *lab.Lab, knownHosts string, top string, hosts ...hostSpec) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("domain: staging.lab.test\n" + top + "hosts:\n")
	for _, h := range hosts {
		user := h.user
		if user == "" {
			user = "root"
		}
		key := h.identityFile
		if key == "" {
			key = l.KeyFile
		}
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    port: %d\n    user: %s\n    identityFile: %s\n    knownHostsFile: %s\n    sudo: %t\n",
			h.host.Name, h.host.Addr4, h.host.Port, user, key, knownHosts, h.sudo)
		if h.jump != "" {
			fmt.Fprintf(&b, "    jump: %s\n", h.jump)
		}
		b.WriteString(h.extra)
	}
	p := filepath.Join(t.TempDir(), "playbook.yaml")
	if err := os.WriteFile(p, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func specs(l *lab.Lab) []hostSpec {
	out := make([]hostSpec, len(l.Hosts))
	for i, h := range l.Hosts {
		out[i] = hostSpec{host: h}
	}
	return out
}

// storedEvents reads every event of a run back from the database.
func storedEvents(t *testing.T, db, runID string) []event.Event {
	t.Helper()
	s, err := store.Open(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	evs, err := s.Events(context.Background(), store.Filter{RunID: runID, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// onHost runs a shell command inside a lab host's namespaces.
func onHost(t *testing.T, l *lab.Lab, h lab.Host, script string) string {
	t.Helper()
	out, err := l.Exec(context.Background(), h, "sh", "-c", script)
	if err != nil {
		t.Fatalf("on %s: %s: %v\n%s", h.Name, script, err, out)
	}
	return string(out)
}
