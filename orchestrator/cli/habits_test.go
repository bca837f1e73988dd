package cli

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/bootstrap/agenttest"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestVersion: text and JSON name the version, a commit, the Go version
// and every embedded agent's SHA-256 (the one the guarded launch checks),
// the same as the Makefile recorded next to the agent.
func TestVersion(t *testing.T) {
	r := ck8sctl(t, "version", "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var b buildInfo
	if err := json.Unmarshal([]byte(r.stdout), &b); err != nil {
		t.Fatalf("decoding %q: %v", r.stdout, err)
	}
	if b.Version == "" || b.Commit == "" || b.Date == "" || b.Go != runtime.Version() || b.Platform != runtime.GOOS+"/"+runtime.GOARCH {
		t.Errorf("version JSON %+v: want every field set", b)
	}
	text := ck8sctl(t, "version").stdout
	for _, want := range []string{"ck8sctl " + b.Version, "commit:  " + b.Commit, b.Go} {
		if !strings.Contains(text, want) {
			t.Errorf("version text lacks %q:\n%s", want, text)
		}
	}
	if r := ck8sctl(t, "version", "-o", "yaml"); r.code != ExitBadInput {
		t.Errorf("-o yaml: exit %d, want %d", r.code, ExitBadInput)
	}
	agenttest.Require(t)
	var platforms []string
	for _, a := range b.Agents {
		platforms = append(platforms, a.Platform)
		arch := strings.TrimPrefix(a.Platform, "linux/")
		want, err := os.ReadFile(filepath.Join("..", "..", "bootstrap", "bin", "ck8s-agent-linux-"+arch+".sha256"))
		if err != nil || strings.TrimSpace(string(want)) != a.SHA256 {
			t.Errorf("agent %s: sha256 %q, the Makefile recorded %q (%v)", a.Platform, a.SHA256, want, err)
		}
		if !strings.Contains(text, a.Platform+" sha256:"+a.SHA256) {
			t.Errorf("version text lacks agent %s:\n%s", a.Platform, text)
		}
		light, err := os.ReadFile(filepath.Join("..", "..", "bootstrap", "bin", "ck8s-agent-light-linux-"+arch+".sha256"))
		if err != nil || strings.TrimSpace(string(light)) != a.LightSHA256 || a.LightSHA256 == a.SHA256 {
			t.Errorf("agent %s: light sha256 %q, the Makefile recorded %q (%v)", a.Platform, a.LightSHA256, light, err)
		}
		if !strings.Contains(text, a.Platform+" sha256:"+a.LightSHA256+" (light") {
			t.Errorf("version text lacks the light agent %s:\n%s", a.Platform, text)
		}
	}
	if !slices.Equal(platforms, []string{"linux/amd64", "linux/arm64"}) {
		t.Errorf("agents %v, want linux/amd64 and linux/arm64", platforms)
	}
}

// completionPlaybook has hosts with labels (the playbook's groups).
const completionPlaybook = `domain: staging.example.com
hosts:
  - name: web-1
    address: 198.18.0.10
    labels: { role: web }
  - name: db-1
    address: 198.18.0.11
    labels: { role: db }
`

// TestCompletionLimit: after --limit, the shell is offered the playbook's
// host names and groups, whichever way -p was written.
func TestCompletionLimit(t *testing.T) {
	pb := filepath.Join(t.TempDir(), "pb.yaml")
	if err := os.WriteFile(pb, []byte(completionPlaybook), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"bootstrap", "-p", pb, "--limit"},
		{"sweep", "--playbook=" + pb, "-l"},
		{"harden", "--limit", "web-1", "-p", pb, "--limit"},
	} {
		r := ck8sctl(t, append(args, "--generate-bash-completion")...)
		got := strings.Fields(r.stdout)
		if want := []string{"web-1", "db-1", "role=web", "role=db"}; !slices.Equal(got, want) || r.code != ExitOK {
			t.Errorf("%v: exit %d, offered %q, want %q (stderr %s)", args, r.code, got, want, r.stderr)
		}
	}
	// Elsewhere: commands, flags, and nothing after a flag taking a value
	// (the shell then offers file names).
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{}, "bootstrap lab sweep version init completion"},
		{[]string{"lab"}, "up down status"},
		{[]string{"bootstrap", "--li"}, "--limit"},
		{[]string{"bootstrap", "-p"}, ""},
		{[]string{"--qu"}, "--quiet"},
	} {
		r := ck8sctl(t, append(tc.args, "--generate-bash-completion")...)
		got := strings.Fields(r.stdout)
		for _, w := range strings.Fields(tc.want) {
			if !slices.Contains(got, w) {
				t.Errorf("%v: offered %q, missing %s", tc.args, got, w)
			}
		}
		if tc.want == "" && len(got) > 0 || slices.Contains(got, "listen") {
			t.Errorf("%v: offered %q, want %q (hidden commands never)", tc.args, got, tc.want)
		}
	}
}

// TestCompletionScripts: each shell's script is printed and parses, and
// each is run for real in its shell against this test binary as ck8sctl:
// completing --limit offers the playbook's hosts.
func TestCompletionScripts(t *testing.T) {
	for _, sh := range []string{"bash", "zsh", "fish"} {
		testenv.RequireCommand(t, sh)
		r := ck8sctl(t, "completion", sh)
		if r.code != ExitOK || !strings.Contains(r.stdout, "--generate-bash-completion") {
			t.Fatalf("completion %s: exit %d:\n%s%s", sh, r.code, r.stdout, r.stderr)
		}
		if out, err := exec.Command(sh, "-n", "-c", r.stdout).CombinedOutput(); err != nil {
			t.Errorf("%s -n: %v\n%s", sh, err, out)
		}
	}
	if r := ck8sctl(t, "completion", "tcsh"); r.code != ExitBadInput {
		t.Errorf("completion tcsh: exit %d, want %d", r.code, ExitBadInput)
	}
	pb := filepath.Join(t.TempDir(), "pb.yaml")
	if err := os.WriteFile(pb, []byte(completionPlaybook), 0o600); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ sh, drive, want string }{
		// bash filters by the word typed (compgen).
		{"bash", `
ck8sctl() { ` + asCLIEnv + `=1 "$EXE" "$@"; }
COMP_WORDS=(ck8sctl bootstrap -p "$PB" --limit we); COMP_CWORD=5
_ck8sctl_complete
printf '%s\n' "${COMPREPLY[@]}"
`, "web-1"},
		// zsh's _describe filters by itself: the function hands it every host.
		{"zsh", `
ck8sctl() { ` + asCLIEnv + `=1 "$EXE" "$@" }
_describe() { print -l -- ${(P)2} }
words=(ck8sctl bootstrap -p "$PB" --limit we)
_ck8sctl
`, "db-1 role=db role=web web-1"},
		// fish's own completion engine, as a user's Tab runs it.
		{"fish", `
function ck8sctl; env ` + asCLIEnv + `=1 $EXE $argv; end
complete -C"ck8sctl bootstrap -p $PB --limit we"
`, "web-1"},
	} {
		script := ck8sctl(t, "completion", tc.sh).stdout
		if tc.sh == "zsh" {
			script = "compdef() { :; }\n" + script // outside compinit
		}
		cmd := exec.Command(tc.sh, "-c", script+tc.drive)
		cmd.Env = append(os.Environ(), "EXE="+exe, "PB="+pb)
		out, err := cmd.CombinedOutput()
		got := strings.Fields(string(out))
		slices.Sort(got)
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("%s completion of --limit we: %v, offered %q, want %s", tc.sh, err, out, tc.want)
		}
	}
}
