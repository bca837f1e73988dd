package bootstrap

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/remote"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/ck8s/ck8sctl/orchestrator/host"
	"github.com/ck8s/ck8sctl/orchestrator/lab"
	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
	"github.com/klauspost/compress/zstd"
)

func TestMain(m *testing.M) { labtest.Main(m) }

func labRunner(t *testing.T) (*lab.Lab, *Runner, remote.Dialer) {
	t.Helper()
	testenv.RequireRoot(t)
	agents, err := Agents()
	if errors.Is(err, ErrNoAgent) {
		if testenv.CI() {
			t.Fatal("agents not embedded: run `make build` before go test")
		}
		t.Skip("agents not embedded: run `make build` first")
	}
	l := labtest.New(t, 1)
	h := l.Hosts[0]
	cfg := host.Config{Name: h.Name, Address: h.Addr4.String(), Port: h.Port, User: "root",
		IdentityFiles: []string{l.KeyFile}, KnownHostsFile: l.KnownHostsFile, SSHConfigFile: "none", ConnectTimeout: 5 * time.Second}
	dial := func(ctx context.Context) (remote.Conn, error) {
		c, err := host.Dial(ctx, cfg)
		if err != nil {
			return nil, err // not a typed nil in the interface
		}
		return c, nil
	}
	r := &Runner{Agents: agents, Redact: redact.Default(), Log: slog.New(slog.DiscardHandler), Reconnects: 3, FollowTimeout: time.Minute}
	return l, r, dial
}

func testPlan(run string) *plan.Plan {
	return &plan.Plan{Protocol: event.Protocol, RunID: run, Host: "lab-1", Steps: []string{"facts", "metrics"}, LockWait: plan.Duration(time.Minute)}
}

type collector struct {
	mu  sync.Mutex
	evs []event.Event
}

func (c *collector) sink(e event.Event) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.evs = append(c.evs, e)
	return nil
}

// A connection dropped mid-run loses nothing: the rest of the run comes
// from the host's journal over a new connection, without duplicates.
func TestDroppedConnectionReplaysFromJournal(t *testing.T) {
	_, r, dial := labRunner(t)
	ctx := context.Background()
	c, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	// Reference run: how many events does a whole run produce?
	var ref collector
	if _, err := r.Run(ctx, c, dial, testPlan("ref"), ref.sink); err != nil {
		t.Fatal(err)
	}
	r.dropAfter = 3
	var got collector
	out, err := r.Run(ctx, c, dial, testPlan("dropped"), got.sink)
	if err != nil {
		t.Fatalf("run with a dropped stream: %v", err)
	}
	if out.Reconnects != 1 || out.Final == nil {
		t.Fatalf("reconnects %d, final %v", out.Reconnects, out.Final)
	}
	if len(got.evs) != len(ref.evs) {
		t.Fatalf("got %d events after the drop, a whole run has %d", len(got.evs), len(ref.evs))
	}
	for i, e := range got.evs {
		if e.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, e.Seq)
		}
	}
}

// The guard refuses to execute a file that is not the embedded agent and
// asks for an upload instead; the upload is atomic and leaves no temp file.
func TestGuardAndUpload(t *testing.T) {
	testenv.RequireCommand(t, "zstd")
	l, r, dial := labRunner(t)
	ctx := context.Background()
	c, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	h := l.Hosts[0]
	if out, err := l.Exec(ctx, h, "sh", "-c", "mkdir -p /var/lib/ck8s/bin && printf '#!/bin/sh\\necho ran\\n' > /var/lib/ck8s/bin/ck8s-agent && chmod 755 /var/lib/ck8s/bin/ck8s-agent"); err != nil {
		t.Fatalf("%v %s", err, out)
	}
	var stdout strings.Builder
	err = c.Run(ctx, Command(plan.DefaultStateDir, r.Agents, "version"), nil, &stdout, nil)
	if g, need := needAgent(err); !need || g.uname != "x86_64" || !g.zstd || strings.Contains(stdout.String(), "ran") {
		t.Fatalf("guard: err %v, stdout %q: want it to ask for the x86_64 agent, zstd found", err, stdout.String())
	}
	if err := Upload(ctx, c, plan.DefaultStateDir, r.Agents["amd64"]); err != nil {
		t.Fatal(err)
	}
	stdout.Reset()
	if err := c.Run(ctx, Command(plan.DefaultStateDir, r.Agents, "version"), nil, &stdout, nil); err != nil {
		t.Fatalf("agent after upload: %v", err)
	}
	if !strings.Contains(stdout.String(), "protocol") {
		t.Errorf("version output %q", stdout.String())
	}
	// The guard's stamp (StampPath) may be there too, once the agent is
	// two seconds old; no temporary file may.
	out, _ := l.Exec(ctx, h, "ls", "-A", "/var/lib/ck8s/bin")
	if got := strings.Fields(string(out)); !slices.Equal(got, []string{"ck8s-agent"}) && !slices.Equal(got, []string{"ck8s-agent", "ck8s-agent.verified"}) {
		t.Errorf("bin dir holds %q, want only the agent (and its stamp)", out)
	}
}

// A host without gzip gets the uncompressed agent, verified the same way.
func TestUploadWithoutGzipOnHost(t *testing.T) {
	l, r, dial := labRunner(t)
	ctx := context.Background()
	h := l.Hosts[0]
	// /dev/null is not executable: `command -v gzip` finds nothing (nor
	// zstd's, which would otherwise be used first).
	for _, tool := range []string{"/usr/bin/gzip", "/usr/bin/zstd"} {
		if out, err := l.Exec(ctx, h, "mount", "--bind", "/dev/null", tool); err != nil {
			t.Fatalf("%v %s", err, out)
		}
	}
	if out, err := l.Exec(ctx, h, "sh", "-c", "command -v gzip"); err == nil {
		t.Fatalf("gzip still found on the host (%s): the test would not exercise the fallback", out)
	}
	c, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var ev collector
	out, err := r.Run(ctx, c, dial, testPlan("nogzip"), ev.sink)
	if err != nil || !out.Uploaded || out.Final == nil {
		t.Fatalf("run on a host without gzip: uploaded %v, final %v, err %v", out.Uploaded, out.Final, err)
	}
	got, _ := l.Exec(ctx, h, "sh", "-c", "sha256sum /var/lib/ck8s/bin/ck8s-agent; ls -A /var/lib/ck8s/bin; cat /var/lib/ck8s/bin/ck8s-agent.installed")
	want := r.Agents["amd64"].SHA256
	lines := strings.Split(strings.TrimSpace(string(got)), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], want+" ") || lines[1] != "ck8s-agent" || lines[2] != "ck8s-agent.installed" ||
		!strings.HasPrefix(lines[3], want+" ") || !strings.HasSuffix(lines[3], " nogzip") {
		t.Fatalf("on host:\n%s\nwant the agent with sha256 %s, and nothing else but the run's install record naming it", got, want)
	}
}

// On a lab host: a run without the manifests step installs the light
// build; the light agent, handed a plan with that step anyway, refuses the
// whole plan naming it; a run with the step replaces it with the full one.
func TestLightAgentUnlessThePlanHasManifests(t *testing.T) {
	testenv.RequireCommand(t, "zstd")
	l, r, dial := labRunner(t)
	if r.Agents["amd64"].Light == nil {
		t.Fatal("no light agent embedded: `make build` builds it")
	}
	ctx := t.Context()
	h := l.Hosts[0]
	onHost := func() string {
		out, err := l.Exec(ctx, h, "sha256sum", AgentPath(plan.DefaultStateDir))
		if err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		return strings.Fields(string(out))[0]
	}
	run := func(p *plan.Plan) Outcome {
		c, err := dial(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		var col collector
		out, err := r.Run(ctx, c, dial, p, col.sink)
		if err != nil {
			t.Fatalf("run %s: %v", p.RunID, err)
		}
		return out
	}
	if out := run(testPlan("light-1")); !out.Uploaded || out.AgentExit != 0 || onHost() != r.Agents["amd64"].Light.SHA256 {
		t.Fatalf("first run without manifests: uploaded %v, exit %d, host has %s; want the light agent %s uploaded and run",
			out.Uploaded, out.AgentExit, onHost(), r.Agents["amd64"].Light.SHA256)
	}

	withManifests := testPlan("full-1")
	withManifests.Steps = []string{"facts", plan.StepManifests}
	body, err := withManifests.Encode()
	if err != nil {
		t.Fatal(err)
	}
	c, err := dial(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var stdout, stderr strings.Builder
	err = c.Run(ctx, Command(plan.DefaultStateDir, r.Agents, "run"), strings.NewReader(string(body)), &stdout, &stderr)
	var ee *remote.ExitError
	if !errors.As(err, &ee) || !strings.Contains(stderr.String(), `unknown step(s) \"manifests\"`) || strings.Contains(stdout.String(), `"facts"`) {
		t.Fatalf("light agent given a manifests plan: err %v\nstdout %s\nstderr %s\nwant it refused, naming the step, before any step", err, stdout.String(), stderr.String())
	}

	out := run(withManifests) // its manifests step fails here: no section, no API server
	if !out.Uploaded || onHost() != r.Agents["amd64"].SHA256 {
		t.Errorf("run with manifests on the light agent: uploaded %v, host has %s; want the full agent %s", out.Uploaded, onHost(), r.Agents["amd64"].SHA256)
	}
	if out := run(testPlan("light-2")); out.Uploaded || out.AgentExit != 0 {
		t.Errorf("run without manifests on the full agent: uploaded %v, exit %d; want the full agent run as it is", out.Uploaded, out.AgentExit)
	}
}

// embeddedAgents returns the agents this test binary embeds; without them
// (go test without make build) the test is skipped, and fails under CI.
func embeddedAgents(t *testing.T) map[string]Binary {
	t.Helper()
	agents, err := Agents()
	if errors.Is(err, ErrNoAgent) {
		if testenv.CI() {
			t.Fatal("agents not embedded: run `make build` before go test")
		}
		t.Skip("agents not embedded")
	}
	if err != nil {
		t.Fatal(err)
	}
	return agents
}

func TestEmbeddedAgentsMatchTheirChecksums(t *testing.T) {
	agents := embeddedAgents(t)
	for arch, b := range agents {
		raw, err := b.Raw()
		if err != nil {
			t.Fatal(err)
		}
		gz, err := b.Gz()
		if err != nil || len(raw) < 1<<20 || len(gz) >= len(raw) {
			t.Errorf("%s: %d bytes raw, %d compressed (%v)", arch, len(raw), len(gz), err)
		}
		// The zstd form is the same agent, in a 256 KiB window
		// (hack/zstdpack says why): a decoder held to it decodes it.
		dec, err := zstd.NewReader(nil, zstd.WithDecoderMaxWindow(256<<10))
		if err != nil {
			t.Fatal(err)
		}
		defer dec.Close()
		unz, err := dec.DecodeAll(b.Zst(), nil)
		if sum := sha256.Sum256(unz); err != nil || hex.EncodeToString(sum[:]) != b.SHA256 {
			t.Errorf("%s: the embedded zstd form (%d bytes) is not the agent: %v", arch, len(b.Zst()), err)
		}
		if b.Size != int64(len(raw)) {
			t.Errorf("%s: the embedded size %d is not the agent's %d (the guard hashes no file of another size)", arch, b.Size, len(raw))
		}
		if b.Light == nil {
			t.Errorf("%s: no light agent embedded", arch)
			continue
		}
		unz, err = dec.DecodeAll(b.Light.Zst(), nil)
		if sum := sha256.Sum256(unz); err != nil || hex.EncodeToString(sum[:]) != b.Light.SHA256 || len(unz) > len(raw)*3/4 {
			t.Errorf("%s: the embedded light agent (%d bytes, %d decoded, the full one %d) is not its checksum's, or not a quarter smaller: %v",
				arch, len(b.Light.Zst()), len(unz), len(raw), err)
		}
		if b.Light.Size != int64(len(unz)) {
			t.Errorf("%s: the light agent's embedded size %d is not its %d", arch, b.Light.Size, len(unz))
		}
	}
	bad := agents["amd64"]
	bad.SHA256 = strings.Repeat("0", 64)
	if _, err := bad.Raw(); err == nil {
		t.Error("Raw accepted an agent whose checksum does not match")
	}
}
