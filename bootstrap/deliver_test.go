package bootstrap

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/event"
	"github.com/ck8s/ck8sctl/internal/event/eventtest"
	"github.com/ck8s/ck8sctl/internal/plan"
	"github.com/ck8s/ck8sctl/internal/redact"
	"github.com/ck8s/ck8sctl/internal/remote"
	"github.com/ck8s/ck8sctl/internal/remote/remotetest"
	"github.com/ck8s/ck8sctl/internal/testenv"
	"github.com/klauspost/compress/zstd"
)

// fakeHost is a host to deliver the agent to, without root or sshd: its
// state directory is a t.TempDir(), reached over a real SFTP server; the
// launch guard is interpreted here (the agent "runs" only when the file
// has the expected sha256 and is executable, else exit ExitNeedAgent as
// the guard's shell would); the upload's install command runs in a real
// sh; and the agent itself is a script of events.
type fakeHost struct {
	t     *testing.T
	dir   string
	agent Binary
	// noGzip hides gzip from the install command, as on a minimal host.
	noGzip bool
	// zstd makes the guard report zstd on the host (the install then
	// runs the real zstd, or a shim of that name).
	zstd bool
	// shims are scripts (by program name) first on the install
	// command's PATH.
	shims map[string]string
	// run answers `ck8s-agent ARGS` once the guard lets the agent run.
	run func(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error

	mu       sync.Mutex
	tmpModes []os.FileMode // of each file the upload copied, before install
	copies   []string      // the name of each file the upload copied
	dials    atomic.Int32
}

func newFakeHost(t *testing.T) *fakeHost {
	testenv.RequireCommand(t, "sh", "gzip", "sha256sum")
	return &fakeHost{t: t, dir: t.TempDir(), agent: fakeAgent(t)}
}

// fakeAgent is an "agent" binary: what it contains does not matter, only
// that the upload delivers exactly it.
func fakeAgent(t *testing.T) Binary { return fakeAgentOf(t, "not the real agent") }

// fakeAgentOf is a fake agent that says text: builds with other texts
// have other hashes.
func fakeAgentOf(t *testing.T, text string) Binary {
	raw := bytes.Repeat([]byte("#!/bin/sh\necho "+text+"\n"), 4096)
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	if _, err := zw.Write(raw); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	enc, err := zstd.NewWriter(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	sum := sha256.Sum256(raw)
	return Binary{Arch: "amd64", gz: gz.Bytes(), zst: enc.EncodeAll(raw, nil), SHA256: hex.EncodeToString(sum[:])}
}

func (h *fakeHost) runner() *Runner {
	return &Runner{Agents: map[string]Binary{"amd64": h.agent, "arm64": h.agent}, Redact: redact.Default(),
		Log: slog.New(slog.DiscardHandler), Reconnects: 3, FollowTimeout: time.Minute}
}

func (h *fakeHost) plan(run string) *plan.Plan {
	return &plan.Plan{Protocol: event.Protocol, RunID: run, Host: "fake-1", Steps: []string{"facts"}, StateDir: h.dir}
}

func (h *fakeHost) conn() *remotetest.Conn {
	return &remotetest.Conn{Name: "fake-1 (root@198.18.0.1:22)", Handle: h.handle, Dir: h.dir}
}

// redial is the Runner's Dialer: every call is a new connection.
func (h *fakeHost) redial(context.Context) (remote.Conn, error) {
	h.dials.Add(1)
	return h.conn(), nil
}

func (h *fakeHost) handle(ctx context.Context, cmd string, stdin io.Reader, stdout, stderr io.Writer) error {
	sc, err := remotetest.ParseShC(cmd)
	if err != nil {
		return err
	}
	switch sc.Name {
	case "ck8s-agent":
		if !h.installedAs(guardHashes(h.t, sc.Script)...) {
			// What the guard does on a miss: the directory, then exit 97.
			if err := os.MkdirAll(filepath.Dir(AgentPath(h.dir)), 0o700); err != nil {
				return err
			}
			msg := "ck8s-guard: agent missing or stale, arch x86_64"
			if h.zstd {
				msg += " zstd"
			}
			return &remote.ExitError{Code: ExitNeedAgent, Stderr: msg + "\n"}
		}
		return h.run(ctx, sc.Args, stdin, stdout, stderr)
	case "ck8s-install":
		return h.install(ctx, sc, stdin, stdout, stderr)
	}
	return fmt.Errorf("unexpected command %q", cmd)
}

// install notes the mode the copied file has, then runs the real install
// script on it; an install that also runs the agent (installRunTail) gets
// the script without its exec, and then the scripted agent.
func (h *fakeHost) install(ctx context.Context, sc remotetest.ShC, stdin io.Reader, stdout, stderr io.Writer) error {
	script, agentArgs := sc.Script, []string(nil)
	if s, ok := strings.CutSuffix(script, installRunTail); ok {
		script, agentArgs = s, sc.Args[5:] // after the run's ID
	}
	copied := sc.Args[0] // the .gz; empty when the raw agent was copied
	if copied == "" {
		copied = sc.Args[1]
	}
	fi, err := os.Stat(copied)
	if err != nil {
		return err
	}
	h.mu.Lock()
	h.tmpModes = append(h.tmpModes, fi.Mode())
	h.copies = append(h.copies, copied)
	h.mu.Unlock()
	cmd := exec.CommandContext(ctx, "sh", append([]string{"-c", script, sc.Name}, sc.Args[:4]...)...)
	var errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = stdout, io.MultiWriter(stderr, &errBuf)
	path := os.Getenv("PATH")
	if h.noGzip {
		path = h.pathWithout("gzip")
	}
	if len(h.shims) > 0 {
		dir := h.t.TempDir()
		for name, script := range h.shims {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
				return err
			}
		}
		path = dir + ":" + path
	}
	cmd.Env = append(os.Environ(), "PATH="+path)
	var ee *exec.ExitError
	if err := cmd.Run(); errors.As(err, &ee) {
		return &remote.ExitError{Code: ee.ExitCode(), Stderr: errBuf.String()}
	} else if err != nil {
		return err
	}
	if agentArgs != nil {
		return h.run(ctx, agentArgs, stdin, stdout, stderr)
	}
	return nil
}

// pathWithout is a PATH holding the install script's tools but not hide.
func (h *fakeHost) pathWithout(hide string) string {
	dir := filepath.Join(h.t.TempDir(), "bin")
	if err := os.Mkdir(dir, 0o755); err != nil {
		h.t.Error(err)
	}
	for _, tool := range []string{"gzip", "sync", "sha256sum", "cut", "chmod", "mv", "rm"} {
		p, err := exec.LookPath(tool)
		if err != nil || tool == hide {
			continue
		}
		if err := os.Symlink(p, filepath.Join(dir, tool)); err != nil {
			h.t.Error(err)
		}
	}
	return dir
}

// installed is the guard's test: the file's sha256 is the agent's and it
// is executable.
func (h *fakeHost) installed() bool { return h.installedAs(h.agent.SHA256) }

// installedAs: the agent is executable and has one of the hashes.
func (h *fakeHost) installedAs(hashes ...string) bool {
	p := AgentPath(h.dir)
	fi, err := os.Stat(p)
	if err != nil || fi.Mode()&0o111 == 0 {
		return false
	}
	b, err := os.ReadFile(p)
	sum := sha256.Sum256(b)
	return err == nil && slices.Contains(hashes, hex.EncodeToString(sum[:]))
}

// guardHashes are the hashes the real launch guard script accepts on an
// x86_64 host (see command).
func guardHashes(t *testing.T, script string) []string {
	m := regexp.MustCompile(`x86_64\|amd64\) h="([0-9a-f ]+)";`).FindStringSubmatch(script)
	if m == nil {
		t.Fatalf("no x86_64 hashes in the guard %q", script)
	}
	return strings.Fields(m[1])
}

// mkBinDir creates the agent's directory, as the guard does on a miss.
func (h *fakeHost) mkBinDir() {
	if err := os.MkdirAll(filepath.Dir(AgentPath(h.dir)), 0o700); err != nil {
		h.t.Fatal(err)
	}
}

// preinstall puts the agent in place, as an earlier run would have.
func (h *fakeHost) preinstall() {
	h.mkBinDir()
	raw, err := h.agent.Raw()
	if err == nil {
		err = os.WriteFile(AgentPath(h.dir), raw, 0o755)
	}
	if err != nil {
		h.t.Fatal(err)
	}
}

// serve answers `run` with the whole script, checking the plan on stdin.
func serve(r *eventtest.Run) func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
	return func(_ context.Context, args []string, stdin io.Reader, stdout, _ io.Writer) error {
		if len(args) != 1 || args[0] != "run" {
			return fmt.Errorf("agent called with %q", args)
		}
		p, err := plan.Decode(stdin)
		if err != nil {
			return err
		}
		if p.RunID != r.ID {
			return fmt.Errorf("plan for run %s, want %s", p.RunID, r.ID)
		}
		_, err = stdout.Write(r.NDJSON())
		return err
	}
}

func script(t *testing.T, run string) *eventtest.Run {
	return eventtest.NewRun(t, run, "fake-1").Started("facts", "metrics").
		Step("facts", event.StatusOK, "ok").Step("metrics", event.StatusOK, "ok").Finish()
}

type sinkLog struct {
	mu  sync.Mutex
	evs []event.Event
}

func (s *sinkLog) sink(e event.Event) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.evs = append(s.evs, e)
	return nil
}

// checkDelivered fails unless got is exactly want's events, each once, in
// order.
func checkDelivered(t *testing.T, got []event.Event, want *eventtest.Run) {
	t.Helper()
	if len(got) != len(want.Events) {
		t.Fatalf("delivered %d events, the run has %d", len(got), len(want.Events))
	}
	for i, e := range got {
		if w := want.Events[i]; e.Seq != w.Seq || e.Type != w.Type || e.Step != w.Step {
			t.Fatalf("event %d is seq %d %s %s, want seq %d %s %s", i, e.Seq, e.Type, e.Step, w.Seq, w.Type, w.Step)
		}
	}
}

// commandNames lists each command as its $0 and first argument.
func commandNames(t *testing.T, c *remotetest.Conn) []string {
	var out []string
	for _, cmd := range c.Commands() {
		sc, err := remotetest.ParseShC(cmd)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, sc.Name+" "+sc.Args[0])
	}
	return out
}

// A host without the agent: the guard asks, the agent is uploaded over
// SFTP (a 0600 temp file, verified, then renamed 0755 into place), the
// run streams its events; the next run finds the agent and uploads
// nothing.
func TestRunUploadsTheAgentWhenTheGuardAsks(t *testing.T) {
	h := newFakeHost(t)
	want := script(t, "r1")
	h.run = serve(want)
	r, c := h.runner(), h.conn()
	var got sinkLog
	out, err := r.Run(t.Context(), c, h.redial, h.plan("r1"), got.sink)
	if err != nil {
		t.Fatal(err)
	}
	if !out.Uploaded || out.AgentExit != 0 || out.Final == nil || out.Final.Type != event.TypeBootstrapFinished ||
		out.Events != len(want.Events) || out.LastSeq != int64(len(want.Events)) || len(out.Invalid) != 0 {
		t.Fatalf("outcome %+v", out)
	}
	checkDelivered(t, got.evs, want)
	p := AgentPath(h.dir)
	raw, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if sum := sha256.Sum256(raw); hex.EncodeToString(sum[:]) != h.agent.SHA256 {
		t.Errorf("uploaded agent has sha256 %x, want %s", sum, h.agent.SHA256)
	}
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o755 {
		t.Errorf("agent mode %v, want 0755", fi.Mode())
	}
	if len(h.tmpModes) != 1 || h.tmpModes[0].Perm() != 0o600 {
		t.Errorf("copied file modes %v, want one 0600", h.tmpModes)
	}
	if names := dirNames(t, filepath.Dir(p)); !slices.Equal(names, []string{"ck8s-agent"}) {
		t.Errorf("bin dir holds %q, want only the agent", names)
	}
	cmds := commandNames(t, c)
	if len(cmds) != 2 || cmds[0] != "ck8s-agent run" ||
		!strings.HasPrefix(cmds[1], "ck8s-install "+filepath.Dir(p)+"/.ck8s-agent.") || !strings.HasSuffix(cmds[1], ".tmp.gz") {
		t.Errorf("commands %q, want the launch, then the install of a temp .gz", cmds)
	}
	if sc, err := remotetest.ParseShC(c.Commands()[1]); err != nil || !strings.HasSuffix(sc.Script, installRunTail) || !slices.Equal(sc.Args[4:], []string{"r1", "run"}) {
		t.Errorf("install command %q: want it to run the agent with `run` once installed, for run r1", c.Commands()[1])
	}
	if h.dials.Load() != 0 {
		t.Errorf("%d redials on a run that never dropped", h.dials.Load())
	}

	c2 := h.conn()
	warm := script(t, "r2")
	h.run = serve(warm)
	got = sinkLog{}
	out, err = r.Run(t.Context(), c2, h.redial, h.plan("r2"), got.sink)
	if err != nil || out.Uploaded || len(c2.Commands()) != 1 {
		t.Fatalf("warm run: uploaded %v, %d commands, err %v", out.Uploaded, len(c2.Commands()), err)
	}
	checkDelivered(t, got.evs, warm)
}

// A host without gzip gets the uncompressed agent, verified the same way.
func TestUploadWithoutGzipCopiesTheRawAgent(t *testing.T) {
	h := newFakeHost(t)
	h.noGzip = true
	h.mkBinDir()
	if err := Upload(t.Context(), h.conn(), h.dir, h.agent); err != nil {
		t.Fatal(err)
	}
	if !h.installed() {
		t.Fatal("agent not installed")
	}
	if len(h.tmpModes) != 2 {
		t.Fatalf("%d copies, want the .gz refused, then the raw agent", len(h.tmpModes))
	}
	h.wantOnlyAgent()
}

// A host whose guard reports zstd gets the agent zstd-compressed (one
// copy, a .zst); one without gets gzip; a zstd that fails, or whose output
// does not hash right, gets gzip next, and the agent is installed and run.
func TestRunUploadsZstdWhereTheHostHasIt(t *testing.T) {
	testenv.RequireCommand(t, "zstd")
	for _, c := range []struct {
		name  string
		zstd  bool
		shims map[string]string
		want  []string // suffixes of the copies, in order
	}{
		{"zstd", true, nil, []string{".zst"}},
		{"no zstd", false, nil, []string{".gz"}},
		{"zstd fails", true, map[string]string{"zstd": "exit 1"}, []string{".zst", ".gz"}},
		{"zstd garbles", true, map[string]string{"zstd": "echo garbage"}, []string{".zst", ".gz"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newFakeHost(t)
			h.zstd, h.shims = c.zstd, c.shims
			var ran int
			h.run = func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
				ran++
				return nil
			}
			r := h.runner()
			var got sinkLog
			out, err := r.Run(t.Context(), h.conn(), h.redial, h.plan("z1"), got.sink)
			if !h.installed() || !out.Uploaded || ran != 1 {
				t.Fatalf("installed %v, uploaded %v, agent ran %d time(s), err %v: want installed and run once", h.installed(), out.Uploaded, ran, err)
			}
			if len(h.copies) != len(c.want) {
				t.Fatalf("copies %q, want %d ending %q", h.copies, len(c.want), c.want)
			}
			for i, suffix := range c.want {
				if !strings.HasSuffix(h.copies[i], suffix) {
					t.Errorf("copy %d is %s, want a %s", i+1, h.copies[i], suffix)
				}
			}
			h.wantOnlyAgent()
		})
	}
}

// A run whose plan has no manifests step gets the light build where the
// host has zstd (its only form), and runs whichever build is there
// without uploading; a run that needs the full agent replaces a light
// one, and a host without zstd gets the full agent's gzip form.
func TestRunUploadsTheLightBuildUnlessThePlanNeedsTheFull(t *testing.T) {
	testenv.RequireCommand(t, "zstd")
	h := newFakeHost(t)
	light := fakeAgentOf(t, "the light agent")
	light.gz = nil // embedded only as zstd
	h.agent.Light = &light
	h.zstd = true
	r := h.runner()
	full := h.plan("m")
	full.Steps = []string{"facts", plan.StepManifests}
	for i, c := range []struct {
		p        *plan.Plan
		uploaded bool
		want     string // the agent on the host after the run
		copy     string // the copy's suffix, when uploaded
	}{
		{h.plan("l1"), true, light.SHA256, ".zst"},
		{h.plan("l2"), false, light.SHA256, ""},
		{full, true, h.agent.SHA256, ".zst"},
		{h.plan("l3"), false, h.agent.SHA256, ""},
	} {
		copies := len(h.copies)
		h.run = serve(script(t, c.p.RunID))
		var got sinkLog
		out, err := r.Run(t.Context(), h.conn(), h.redial, c.p, got.sink)
		if err != nil {
			t.Fatalf("run %d: %v", i+1, err)
		}
		if out.Uploaded != c.uploaded || !h.installedAs(c.want) {
			t.Errorf("run %d (steps %v): uploaded %v, want %v; host has the wanted build: %v", i+1, c.p.Steps, out.Uploaded, c.uploaded, h.installedAs(c.want))
		}
		if c.uploaded && (len(h.copies) != copies+1 || !strings.HasSuffix(h.copies[copies], c.copy)) {
			t.Errorf("run %d: copies %q, want one more, a %s", i+1, h.copies[copies:], c.copy)
		}
	}

	h2 := newFakeHost(t)
	h2.agent.Light = &light
	h2.run = serve(script(t, "n1"))
	if out, err := h2.runner().Run(t.Context(), h2.conn(), h2.redial, h2.plan("n1"), (&sinkLog{}).sink); !out.Uploaded || !h2.installed() ||
		len(h2.copies) != 1 || !strings.HasSuffix(h2.copies[0], ".gz") {
		t.Errorf("host without zstd: uploaded %v, full agent installed %v, copies %q (%v); want the full agent's .gz", out.Uploaded, h2.installed(), h2.copies, err)
	}
}

// The install hashes with openssl where the host has it (sha256sum then
// never runs), and with sha256sum where openssl is missing or disagrees:
// openssl can save the slower hash, never refuse a good copy.
func TestInstallHashesWithOpensslElseSha256sum(t *testing.T) {
	testenv.RequireCommand(t, "openssl")
	for _, c := range []struct {
		name  string
		shims map[string]string
	}{
		{"openssl, no sha256sum", map[string]string{"sha256sum": "exit 1"}},
		{"no openssl", map[string]string{"openssl": "exit 127"}},
		{"openssl disagrees", map[string]string{"openssl": "echo " + strings.Repeat("0", 64) + " '*x'"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := newFakeHost(t)
			h.shims = c.shims
			h.mkBinDir()
			if err := Upload(t.Context(), h.conn(), h.dir, h.agent); err != nil {
				t.Fatal(err)
			}
			if !h.installed() {
				t.Fatal("agent not installed")
			}
		})
	}
	// Neither hash matches: refused, whichever tool hashed.
	h := newFakeHost(t)
	h.shims = map[string]string{"openssl": "echo " + strings.Repeat("0", 64) + " '*x'"}
	bad := h.agent
	bad.SHA256 = strings.Repeat("1", 64)
	h.mkBinDir()
	var ee *remote.ExitError
	if err := Upload(t.Context(), h.conn(), h.dir, bad); !errors.As(err, &ee) || ee.Code != exitBadHash {
		t.Fatalf("err = %v, want the install's exit %d", err, exitBadHash)
	}
}

// An upload whose sha256 does not match on the host installs nothing and
// leaves no temp file.
func TestUploadRefusesACorruptedCopy(t *testing.T) {
	h := newFakeHost(t)
	bad := h.agent
	bad.SHA256 = strings.Repeat("0", 64)
	h.mkBinDir()
	err := Upload(t.Context(), h.conn(), h.dir, bad)
	var ee *remote.ExitError
	if !errors.As(err, &ee) || ee.Code != exitBadHash || !strings.Contains(err.Error(), "fake-1") {
		t.Fatalf("err = %v, want the install's exit %d naming the host", err, exitBadHash)
	}
	if names := dirNames(t, filepath.Dir(AgentPath(h.dir))); len(names) != 0 {
		t.Errorf("bin dir holds %q after a refused upload", names)
	}
}

// A run whose copy does not hash right on the host runs no agent: the
// install command stops before its exec, and the run fails naming the
// install, with nothing left in the agent's directory.
func TestRunNeverStartsACorruptedCopy(t *testing.T) {
	h := newFakeHost(t)
	var ran bool
	h.run = func(context.Context, []string, io.Reader, io.Writer, io.Writer) error {
		ran = true
		return nil
	}
	r := h.runner()
	bad := h.agent
	bad.SHA256 = strings.Repeat("0", 64)
	r.Agents = map[string]Binary{"amd64": bad}
	var got sinkLog
	out, err := r.Run(t.Context(), h.conn(), h.redial, h.plan("r1"), got.sink)
	var ee *remote.ExitError
	if !errors.As(err, &ee) || ee.Code != exitBadHash || !strings.Contains(err.Error(), "installing agent") {
		t.Fatalf("err = %v, want the install's exit %d", err, exitBadHash)
	}
	if ran || out.Uploaded || len(got.evs) != 0 || h.dials.Load() != 0 {
		t.Errorf("agent ran %v, uploaded %v, %d events, %d redials: want none", ran, out.Uploaded, len(got.evs), h.dials.Load())
	}
	if names := dirNames(t, filepath.Dir(AgentPath(h.dir))); len(names) != 0 {
		t.Errorf("bin dir holds %q after a refused install", names)
	}
}

// The connection drops mid-stream: the Runner dials again and replays the
// rest from the host's journal, after the last event it delivered. The
// replay overlaps what was delivered; nothing is lost or doubled.
func TestDroppedStreamReplaysFromTheJournal(t *testing.T) {
	h := newFakeHost(t)
	h.preinstall()
	want := script(t, "r1")
	const dropAfter = 3
	var journalArgs []string
	h.run = func(_ context.Context, args []string, _ io.Reader, stdout, _ io.Writer) error {
		switch args[0] {
		case "run":
			for _, l := range want.Lines(0)[:dropAfter] {
				if _, err := stdout.Write(l); err != nil {
					return err
				}
			}
			return fmt.Errorf("%w: no reply to 3 keepalives", remote.ErrConnectionLost)
		case "journal":
			journalArgs = args
			after, err := strconv.ParseInt(flagValue(args, "--after"), 10, 64)
			if err != nil {
				return err
			}
			for _, l := range want.Lines(after - 2) { // overlap
				if _, err := stdout.Write(l); err != nil {
					return err
				}
			}
			return nil
		}
		return fmt.Errorf("agent called with %q", args)
	}
	var got sinkLog
	out, err := h.runner().Run(t.Context(), h.conn(), h.redial, h.plan("r1"), got.sink)
	if err != nil {
		t.Fatal(err)
	}
	if out.Reconnects != 1 || h.dials.Load() != 1 || out.Final == nil || out.Uploaded {
		t.Fatalf("reconnects %d, dials %d, final %v, uploaded %v", out.Reconnects, h.dials.Load(), out.Final, out.Uploaded)
	}
	checkDelivered(t, got.evs, want)
	for flag, v := range map[string]string{"--run": "r1", "--after": strconv.Itoa(dropAfter), "--state-dir": h.dir} {
		if got := flagValue(journalArgs, flag); got != v {
			t.Errorf("journal %s %q, want %q (args %q)", flag, got, v, journalArgs)
		}
	}
	if !slices.Contains(journalArgs, "--follow") {
		t.Errorf("journal args %q lack --follow: a run still going would be cut short", journalArgs)
	}
}

// Whatever else reaches the agent's stdout (a motd, a profile's echo,
// binary junk) is reported as invalid, with its line, and never stored.
func TestGarbageOnTheStreamIsReportedNotStored(t *testing.T) {
	h := newFakeHost(t)
	h.preinstall()
	want := script(t, "r1")
	lines := want.Lines(0)
	h.run = func(_ context.Context, _ []string, _ io.Reader, stdout, _ io.Writer) error {
		var b bytes.Buffer
		b.WriteString("Welcome to staging!\n")
		b.Write(lines[0])
		b.WriteString("{\"seq\": 2, \"type\": \n")
		b.Write(lines[1])
		b.WriteString("\x00\xff\xfe binary\n")
		for _, l := range lines[2:] {
			b.Write(l)
		}
		_, err := stdout.Write(b.Bytes())
		return err
	}
	var got sinkLog
	out, err := h.runner().Run(t.Context(), h.conn(), h.redial, h.plan("r1"), got.sink)
	if err != nil {
		t.Fatal(err)
	}
	checkDelivered(t, got.evs, want)
	if len(out.Invalid) != 3 {
		t.Fatalf("invalid %q, want the 3 garbage lines", out.Invalid)
	}
	for i, line := range []int{1, 3, 5} {
		if msg := out.Invalid[i].Error(); !strings.Contains(msg, fmt.Sprintf("agent output line %d", line)) {
			t.Errorf("invalid[%d] = %q, want it to name line %d", i, msg, line)
		}
	}
}

// The agent's exit status reaches the Outcome even though its stream
// ended cleanly; the guard's own exits do not count as the agent's.
func TestAgentExitStatusIsReported(t *testing.T) {
	h := newFakeHost(t)
	h.preinstall()
	want := eventtest.NewRun(t, "r1", "fake-1").Add(event.TypeLockWaiting, event.StatusInfo, "", "held by r0", nil).
		Add(event.TypeAgentError, event.StatusFailed, "", "lock held by run r0", nil).Finish()
	h.run = func(_ context.Context, _ []string, _ io.Reader, stdout, stderr io.Writer) error {
		_, _ = stdout.Write(want.NDJSON())
		fmt.Fprintln(stderr, "timed out waiting for the host lock")
		return &remote.ExitError{Code: 3, Stderr: "timed out waiting for the host lock"}
	}
	out, err := h.runner().Run(t.Context(), h.conn(), h.redial, h.plan("r1"), (&sinkLog{}).sink)
	if err != nil {
		t.Fatalf("a run with its final event: %v", err)
	}
	if out.AgentExit != 3 || !strings.Contains(out.Stderr, "host lock") {
		t.Fatalf("agent exit %d, stderr %q", out.AgentExit, out.Stderr)
	}
}

func flagValue(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// wantOnlyAgent fails unless the agent's directory holds the agent and
// nothing else (no copy left behind).
func (h *fakeHost) wantOnlyAgent() {
	h.t.Helper()
	if names := dirNames(h.t, filepath.Dir(AgentPath(h.dir))); !slices.Equal(names, []string{"ck8s-agent"}) {
		h.t.Errorf("bin dir holds %q, want only the agent", names)
	}
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}
