package bootstrap

import (
	"fmt"
	"path"
	"strings"

	"github.com/ck8s/ck8sctl/internal/remote"
)

// Exit codes of the launch guard, chosen outside the agent's own 0-3.
const (
	// ExitNeedAgent: no agent with the expected hash is on the host.
	ExitNeedAgent = 97
	// ExitUnknownArch: the host's uname -m has no agent build.
	ExitUnknownArch = 96
)

// AgentPath is where the agent lives under a state directory.
func AgentPath(stateDir string) string { return path.Join(stateDir, "bin", "ck8s-agent") }

// Command returns the shell command that runs the agent with args, but only
// if the file on the host has the exact hash of the embedded build for the
// host's architecture. A half-written, corrupted or foreign agent is never
// executed: the guard exits ExitNeedAgent instead and the caller uploads.
// Checking and running in one session saves a round trip per host on the
// warm path, which dominates a run's wall time on many hosts.
func Command(stateDir string, agents map[string]Binary, args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s; ", remote.Quote(AgentPath(stateDir)))
	b.WriteString(`case "$(uname -m)" in `)
	if a, ok := agents["amd64"]; ok {
		fmt.Fprintf(&b, "x86_64|amd64) h=%s;; ", a.SHA256)
	}
	if a, ok := agents["arm64"]; ok {
		fmt.Fprintf(&b, "aarch64|arm64|armv8l) h=%s;; ", a.SHA256)
	}
	fmt.Fprintf(&b, `*) echo "ck8s-guard: no agent for $(uname -m)" >&2; exit %d;; esac; `, ExitUnknownArch)
	b.WriteString(`if [ -x "$p" ] && printf '%s  %s\n' "$h" "$p" | sha256sum -c --status - 2>/dev/null; then exec "$p" "$@"; fi; `)
	// On a miss, prepare the root-only directory the upload goes to: the
	// guard already runs as root, so this costs no extra round trip. The
	// state dir holds the journal, which may carry host details.
	fmt.Fprintf(&b, `umask 077; mkdir -p "${p%%/*}" && chmod 0700 %s; `, remote.Quote(stateDir))
	fmt.Fprintf(&b, `echo "ck8s-guard: agent missing or stale, arch $(uname -m)" >&2; exit %d`, ExitNeedAgent)
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = remote.Quote(a)
	}
	return "sh -c " + remote.Quote(b.String()) + " ck8s-agent " + strings.Join(q, " ")
}
