package bootstrap

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// guardHost runs the real launch guard (Command) in a local sh against a
// state directory in a temp dir. clockAhead is added to what `date`
// prints, so a freshly written agent can look two seconds old.
type guardHost struct {
	t          *testing.T
	dir, shims string
	agents     map[string]Binary
	clockAhead int
}

func newGuardHost(t *testing.T, agent string) *guardHost {
	testenv.RequireCommand(t, "sh", "uname", "stat", "sha256sum", "date", "mv")
	g := &guardHost{t: t, dir: t.TempDir(), shims: t.TempDir()}
	g.install(agent)
	sum := sha256.Sum256([]byte(agent))
	h := Binary{SHA256: hex.EncodeToString(sum[:]), Size: int64(len(agent))}
	g.agents = map[string]Binary{"amd64": h, "arm64": h}
	return g
}

// install writes the agent script in place (same inode when it exists).
func (g *guardHost) install(agent string) {
	p := AgentPath(g.dir)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		g.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(agent), 0o755); err != nil {
		g.t.Fatal(err)
	}
}

// shim puts a program named name first on the guard's PATH.
func (g *guardHost) shim(name, script string) {
	if err := os.WriteFile(filepath.Join(g.shims, name), []byte("#!/bin/sh\n"+script+"\n"), 0o755); err != nil {
		g.t.Fatal(err)
	}
}

// run executes the guard and returns the agent's stdout and the exit code.
func (g *guardHost) run() (string, int) { return g.runIn("") }

// runIn executes the guard of a later session of run runID
// (CommandInRun); "" is Command's.
func (g *guardHost) runIn(runID string) (string, int) {
	if g.clockAhead != 0 {
		date, err := exec.LookPath("date")
		if err != nil {
			g.t.Fatal(err)
		}
		g.shim("date", "echo $(( $("+date+" +%s) + "+strconv.Itoa(g.clockAhead)+" ))")
	}
	cmd := exec.Command("sh", "-c", CommandInRun(g.dir, runID, g.agents, "version"))
	return g.exec(cmd)
}

// installIn runs the real tail of an install for run runID on the agent
// in place, as if the install had just checked it: it leaves the run's
// install record and execs the agent.
func (g *guardHost) installIn(runID string) (string, int) {
	b, err := os.ReadFile(AgentPath(g.dir))
	if err != nil {
		g.t.Fatal(err)
	}
	sum := sha256.Sum256(b)
	cmd := exec.Command("sh", "-c", `umask 077; gz=$1 tmp=$2 final=$3 want=$4`+installRunTail,
		"ck8s-install", "", "", AgentPath(g.dir), hex.EncodeToString(sum[:]), runID, "version")
	return g.exec(cmd)
}

func (g *guardHost) exec(cmd *exec.Cmd) (string, int) {
	cmd.Env = append(os.Environ(), "PATH="+g.shims+":"+os.Getenv("PATH"))
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return out.String(), ee.ExitCode()
	} else if err != nil {
		g.t.Fatal(err)
	}
	return out.String(), 0
}

const guardAgent = "#!/bin/sh\necho agent one \"$@\"\n"

// A verified agent is remembered: the next run execs it without hashing
// it (sha256sum fails from then on), as long as the file is unchanged.
func TestGuardRemembersTheVerifiedAgent(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	g.clockAhead = 5
	if out, code := g.run(); code != 0 || out != "agent one version\n" {
		t.Fatalf("first run: exit %d, %q", code, out)
	}
	if _, err := os.Stat(StampPath(g.dir)); err != nil {
		t.Fatalf("no stamp after a verified run: %v", err)
	}
	g.shim("sha256sum", "exit 1")
	g.shim("openssl", "exit 1")
	if out, code := g.run(); code != 0 || out != "agent one version\n" {
		t.Fatalf("remembered agent: exit %d, %q", code, out)
	}
}

// Without a stamp the guard hashes with openssl where the host has it
// (sha256sum then never runs), and with sha256sum where openssl is
// missing or disagrees; a file neither finds right is never run.
func TestGuardHashesWithOpensslElseSha256sum(t *testing.T) {
	testenv.RequireCommand(t, "openssl")
	wrong := "echo " + strings.Repeat("0", 64) + " '*x'"
	for _, c := range []struct {
		name  string
		shims map[string]string
	}{
		{"openssl, no sha256sum", map[string]string{"sha256sum": "exit 1"}},
		{"no openssl", map[string]string{"openssl": "exit 127"}},
		{"openssl disagrees", map[string]string{"openssl": wrong}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGuardHost(t, guardAgent)
			for name, script := range c.shims {
				g.shim(name, script)
			}
			if out, code := g.run(); code != 0 || out != "agent one version\n" {
				t.Fatalf("exit %d, %q: want the verified agent run", code, out)
			}
		})
	}
	g := newGuardHost(t, guardAgent)
	g.shim("openssl", wrong)
	g.install(strings.Replace(guardAgent, "one", "two", 1))
	if out, code := g.run(); code != ExitNeedAgent || out != "" {
		t.Fatalf("changed agent: exit %d, %q; want %d and nothing run", code, out, ExitNeedAgent)
	}
}

// After an upgrade the host's agent is an older build, of another size:
// the guard asks for the upload without hashing it (neither openssl nor
// sha256sum runs). Of the same size, or with a build of unknown size, it
// is hashed, and refused for its hash.
func TestGuardDoesNotHashAnotherSize(t *testing.T) {
	older := strings.Replace(guardAgent, "one", "an older one", 1)
	for _, c := range []struct {
		name      string
		installed string
		size      int64 // of the builds; 0: unknown
		hashed    bool
	}{
		{"another size", older, int64(len(guardAgent)), false},
		{"the same size", strings.Replace(guardAgent, "one", "two", 1), int64(len(guardAgent)), true},
		{"a build of unknown size", older, 0, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			g := newGuardHost(t, guardAgent)
			for arch, b := range g.agents {
				b.Size = c.size
				g.agents[arch] = b
			}
			g.install(c.installed)
			marker := filepath.Join(t.TempDir(), "hashed")
			for _, prog := range []string{"openssl", "sha256sum"} {
				g.shim(prog, "echo "+prog+" >> "+marker+"; exit 1")
			}
			if out, code := g.run(); code != ExitNeedAgent || out != "" {
				t.Fatalf("exit %d, %q; want %d and nothing run", code, out, ExitNeedAgent)
			}
			_, err := os.Stat(marker)
			if hashed := err == nil; hashed != c.hashed {
				t.Errorf("hashed: %v, want %v", hashed, c.hashed)
			}
		})
	}
}

// A file changed in place after it was remembered, even to the same size,
// is hashed again and refused; so is a stamp for another file.
func TestGuardRehashesAChangedAgent(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	g.clockAhead = 5
	if _, code := g.run(); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	g.install(strings.Replace(guardAgent, "one", "two", 1)) // same size, same inode
	if out, code := g.run(); code != ExitNeedAgent || out != "" {
		t.Fatalf("changed agent: exit %d, %q; want %d and nothing run", code, out, ExitNeedAgent)
	}

	g = newGuardHost(t, guardAgent)
	stamp := g.agents["amd64"].SHA256 + " 1:2:3:4.000000000:5.000000000\n"
	if err := os.WriteFile(StampPath(g.dir), []byte(stamp), 0o600); err != nil {
		t.Fatal(err)
	}
	g.install(strings.Replace(guardAgent, "one", "two", 1))
	if out, code := g.run(); code != ExitNeedAgent || out != "" {
		t.Fatalf("stale stamp: exit %d, %q; want %d", code, out, ExitNeedAgent)
	}
}

// A file whose ctime is within two seconds of now is run but not
// remembered: a change in the same timestamp tick would keep its stamp.
func TestGuardDoesNotRememberAFreshFile(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	if out, code := g.run(); code != 0 || out != "agent one version\n" {
		t.Fatalf("exit %d, %q", code, out)
	}
	if _, err := os.Stat(StampPath(g.dir)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a stamp for a file changed just now: %v", err)
	}
}

// A stamp hit runs the agent without uname -m; a stamp naming no build's
// hash is no hit, and then the arch decides (here: unknown, refused).
func TestGuardStampHitNeedsNoUname(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	g.clockAhead = 5
	if _, code := g.run(); code != 0 {
		t.Fatalf("first run: exit %d", code)
	}
	g.shim("uname", "echo riscv64")
	g.shim("sha256sum", "exit 1")
	if out, code := g.run(); code != 0 || out != "agent one version\n" {
		t.Fatalf("stamped agent with uname saying riscv64: exit %d, %q; want it run", code, out)
	}
	b, err := os.ReadFile(StampPath(g.dir))
	if err != nil {
		t.Fatal(err)
	}
	_, id, _ := strings.Cut(strings.TrimSpace(string(b)), " ")
	if err := os.WriteFile(StampPath(g.dir), []byte(strings.Repeat("f", 64)+" "+id+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, code := g.run(); code != ExitUnknownArch || out != "" {
		t.Errorf("stamp of another hash: exit %d, %q; want exit %d and the agent not run", code, out, ExitUnknownArch)
	}
}

// An install that runs the agent leaves a record its run's later sessions
// (the firewall's confirm) run the agent on without hashing it again,
// though the file is too fresh to stamp; the record counts for no other
// run, not for Command, and not once the file changed.
func TestGuardRunsWhatItsRunInstalled(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	if out, code := g.installIn("run-1"); code != 0 || out != "agent one version\n" {
		t.Fatalf("install tail: exit %d, %q", code, out)
	}
	if _, err := os.Stat(InstallRecordPath(g.dir)); err != nil {
		t.Fatalf("no install record: %v", err)
	}
	g.shim("sha256sum", "exit 1")
	g.shim("openssl", "exit 1")
	if out, code := g.runIn("run-1"); code != 0 || out != "agent one version\n" {
		t.Fatalf("the install's own run: exit %d, %q; want the agent run unhashed", code, out)
	}
	if out, code := g.runIn("run-2"); code != ExitNeedAgent || out != "" {
		t.Errorf("another run: exit %d, %q; want it hashed (and failing here)", code, out)
	}
	if out, code := g.run(); code != ExitNeedAgent || out != "" {
		t.Errorf("Command: exit %d, %q; want it hashed (and failing here)", code, out)
	}
	if _, err := os.Stat(StampPath(g.dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the install record became a stamp: %v", err)
	}
	g.install("#!/bin/sh\necho agent two \"$@\"\n") // in place: same inode, other size
	if out, code := g.runIn("run-1"); code != ExitNeedAgent || out != "" {
		t.Errorf("changed file in the install's run: exit %d, %q; want it hashed (and failing here)", code, out)
	}
}

// Without a run ID (an install that only installs) no record is left.
func TestInstallWithoutARunLeavesNoRecord(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	if out, code := g.installIn(""); code != 0 || out != "agent one version\n" {
		t.Fatalf("install tail: exit %d, %q", code, out)
	}
	if _, err := os.Stat(InstallRecordPath(g.dir)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("install record without a run: %v", err)
	}
}

const lightAgent = "#!/bin/sh\necho agent light \"$@\"\n"

// withLight gives g's agents a light build, the script lightAgent.
func (g *guardHost) withLight() {
	sum := sha256.Sum256([]byte(lightAgent))
	for arch, b := range g.agents {
		b.Light = &Binary{Arch: arch, SHA256: hex.EncodeToString(sum[:])}
		g.agents[arch] = b
	}
}

// Either build runs where the light one is accepted, by hash, stamp and
// install record alike; where the run needs the full agent (Full) a
// light one on the host is refused by all three, and the full one runs.
func TestGuardRunsEitherBuildUnlessTheFullIsNeeded(t *testing.T) {
	g := newGuardHost(t, guardAgent)
	g.withLight()
	g.install(lightAgent)
	g.clockAhead = 5
	if out, code := g.run(); code != 0 || out != "agent light version\n" {
		t.Fatalf("light agent on the host: exit %d, %q; want it run", code, out)
	}
	stamp, err := os.ReadFile(StampPath(g.dir))
	if err != nil || !strings.HasPrefix(string(stamp), g.agents["amd64"].Light.SHA256+" ") {
		t.Fatalf("stamp %q (%v): want the light build's hash", stamp, err)
	}
	if out, code := g.installIn("run-1"); code != 0 || out != "agent light version\n" {
		t.Fatalf("install tail: exit %d, %q", code, out)
	}
	light := g.agents
	g.shim("sha256sum", "exit 1")
	g.shim("openssl", "exit 1")
	for _, runID := range []string{"", "run-1"} {
		if out, code := g.runIn(runID); code != 0 || out != "agent light version\n" {
			t.Errorf("run %q, stamped light agent: exit %d, %q; want it run unhashed", runID, code, out)
		}
	}
	g.agents = Full(light)
	for _, runID := range []string{"", "run-1"} {
		if out, code := g.runIn(runID); code != ExitNeedAgent || out != "" {
			t.Errorf("run %q needing the full agent, light one on the host: exit %d, %q; want %d and nothing run", runID, code, out, ExitNeedAgent)
		}
	}

	g = newGuardHost(t, guardAgent) // the full agent on the host
	g.withLight()
	if out, code := g.run(); code != 0 || out != "agent one version\n" {
		t.Errorf("full agent, light accepted: exit %d, %q; want it run", code, out)
	}
	g.agents = Full(g.agents)
	if out, code := g.run(); code != 0 || out != "agent one version\n" {
		t.Errorf("full agent, full needed: exit %d, %q; want it run", code, out)
	}
}
