package bootstrap

import (
	"fmt"
	"path"
	"strconv"
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

// StampPath is where the launch guard remembers the file it last verified
// (see guardShell).
func StampPath(stateDir string) string { return AgentPath(stateDir) + ".verified" }

// InstallRecordPath is where an install that runs the agent right away
// leaves what it verified for the rest of that run (see CommandInRun).
func InstallRecordPath(stateDir string) string { return AgentPath(stateDir) + ".installed" }

// Command returns the shell command that runs the agent with args, but only
// if the file on the host has the exact hash of the embedded build for the
// host's architecture (either build, full or light: Binary.Light). A
// half-written, corrupted or foreign agent is never
// executed: the guard exits ExitNeedAgent instead and the caller uploads.
// Checking and running in one session saves a round trip per host on the
// warm path, which dominates a run's wall time on many hosts.
func Command(stateDir string, agents map[string]Binary, args ...string) string {
	return command(stateDir, agents, "", args)
}

// CommandInRun is Command for a later session of run runID (the
// firewall's confirm, the http-01 verdict), which also runs the agent the
// run's own install verified, without hashing it again: on a first
// bootstrap the confirm came a few hundred milliseconds after the install,
// when the guard could not use a stamp yet (the two-second rule below) and
// hashed the 19 MB a second time (30-60 ms of host CPU).
//
// The install's record (InstallRecordPath) names the hash it checked, the
// file's identity right after its rename, and the run; it counts only for
// that run and that very file. What it does not have is the stamp's
// two-second margin: a change made in place within the same timestamp
// tick as the install's rename would keep the identity. Nothing of ours
// writes the agent in place (an upload renames a new inode over it), so
// that takes root writing the root-only state directory, which can write
// the stamp as well.
func CommandInRun(stateDir, runID string, agents map[string]Binary, args ...string) string {
	return command(stateDir, agents, runID, args)
}

func command(stateDir string, agents map[string]Binary, runID string, args []string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "p=%s; s=%s; ", remote.Quote(AgentPath(stateDir)), remote.Quote(StampPath(stateDir)))
	// The stamp first: on a hit the agent runs without uname -m (a program
	// run costs a few ms of host CPU, as much as the rest of the guard). A
	// stamp only ever names the hash the guard verified for this host's
	// arch, so it may be matched against every build's hash.
	b.WriteString(guardStamp)
	// Every build of every arch: the case patterns of a stamp or record
	// that runs the agent.
	patterns := func(suffix string) string {
		var alts []string
		for _, arch := range []string{"amd64", "arm64"} {
			if a, ok := agents[arch]; ok {
				for _, v := range a.builds() {
					alts = append(alts, remote.Quote(v.SHA256+" ")+`"$a"`+suffix)
				}
			}
		}
		return strings.Join(alts, "|")
	}
	if alts := patterns(""); alts != "" {
		fmt.Fprintf(&b, `case "$k" in %s) exec "$p" "$@";; esac; `, alts)
	}
	if runID != "" {
		if alts := patterns(remote.Quote(" " + runID)); alts != "" {
			// The install record of this run, read the same way.
			fmt.Fprintf(&b, `k=; if [ -x "$p" ] && [ -n "$a" ]; then read -r k 2>/dev/null <%s || k=; fi; case "$k" in %s) exec "$p" "$@";; esac; `,
				remote.Quote(InstallRecordPath(stateDir)), alts)
		}
	}
	// $h: the hashes of the builds for the host's arch; $y their sizes.
	b.WriteString(`case "$(uname -m)" in `)
	if a, ok := agents["amd64"]; ok {
		fmt.Fprintf(&b, "x86_64|amd64) h=\"%s\"; y=\"%s\";; ", hashes(a), sizes(a))
	}
	if a, ok := agents["arm64"]; ok {
		fmt.Fprintf(&b, "aarch64|arm64|armv8l) h=\"%s\"; y=\"%s\";; ", hashes(a), sizes(a))
	}
	fmt.Fprintf(&b, `*) echo "ck8s-guard: no agent for $(uname -m)" >&2; exit %d;; esac; `, ExitUnknownArch)
	b.WriteString(guardShell)
	// On a miss, prepare the root-only directory the upload goes to: the
	// guard already runs as root, so this costs no extra round trip. The
	// state dir holds the journal, which may carry host details.
	fmt.Fprintf(&b, `umask 077; mkdir -p "${p%%/*}" && chmod 0700 %s; `, remote.Quote(stateDir))
	// It says whether the host has zstd: the upload is then zstd-compressed
	// (upload.go says why).
	b.WriteString(`z=; command -v zstd >/dev/null 2>&1 && z=' zstd'; `)
	fmt.Fprintf(&b, `echo "ck8s-guard: agent missing or stale, arch $(uname -m)$z" >&2; exit %d`, ExitNeedAgent)
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = remote.Quote(a)
	}
	return "sh -c " + remote.Quote(b.String()) + " ck8s-agent " + strings.Join(q, " ")
}

// guardStamp and guardShell run the agent at $p if its sha256 is $h, and
// else fall through. Hashing the 19 MB agent costs 60-250 ms of host CPU,
// more than a whole no-drift run (about 80 ms), so the guard remembers in $s the
// file it verified: "<hash> <dev>:<inode>:<size>:<mtime ns>:<ctime ns>".
// A stamp only stands for the exact file it was taken of:
//
//   - any write, truncate, chmod or rename of the file sets its ctime to
//     the current time, and no system call sets ctime back: a changed
//     file (or another file at the path: another inode) no longer matches;
//   - a change within the same timestamp tick as the stamped ctime could
//     keep all five (timestamps are only as fine as the kernel's coarse
//     clock), so a stamp is only written for a file whose ctime is two
//     seconds old, checked unchanged across the hash: every later change
//     gets a later ctime. (Git's "racy clean" rule, for the same reason.)
//
// What it does not cover: someone who sets the clock back and rewrites the
// file in place, and a disk that flips bits under an unchanged inode. The
// first needs root, which can write the stamp, or the agent, directly;
// the stamp lives in the root-only state directory. A stat without
// nanosecond stamps (busybox, coreutils before 8.6) or a missing stat or
// date never matches, so such hosts simply hash every time.
//
// guardStamp reads the file's identity into $a and, when the agent is
// executable and $a is known, the stamp into $k; Command execs on a match
// before it runs uname -m.
const guardStamp = `st() { ` + statIdentity + ` "$p" 2>/dev/null; }; ` +
	`a=$(st); k=; if [ -x "$p" ] && [ -n "$a" ]; then read -r k 2>/dev/null <"$s" || k=; fi; `

// statIdentity prints the identity of the file named after it, as stamps
// and install records hold it.
const statIdentity = `stat -L -c '%d:%i:%s:%.9Y:%.9Z' --`

// hashes is the guard's $h: the hashes of a's builds, space-separated
// (hex: double quotes are all the shell needs).
func hashes(a Binary) string {
	var hs []string
	for _, v := range a.builds() {
		hs = append(hs, v.SHA256)
	}
	return strings.Join(hs, " ")
}

// sizes is the guard's $y: the sizes of a's builds, space-separated, or
// "" when one is unknown (then every file is hashed).
func sizes(a Binary) string {
	var ys []string
	for _, v := range a.builds() {
		if v.Size <= 0 {
			return ""
		}
		ys = append(ys, strconv.FormatInt(v.Size, 10))
	}
	return strings.Join(ys, " ")
}

// guardShell hashes the agent at $p when the stamp did not match (see
// guardStamp), as the install does (openssl, else or on disagreement
// with every hash in $h, sha256sum once: see installShell), and stamps it
// as described above with the hash it matched. A file whose size ($a's
// third field) is none of the builds' ($y) cannot have their hash: it is
// not hashed at all (an older agent, after an upgrade). An unknown size
// ($a or $y empty) is hashed.
const guardShell = `o=; if [ -n "$a" ] && [ -n "$y" ]; then o=${a#*:}; o=${o#*:}; o=${o%%:*}; ` +
	`case " $y " in *" $o "*) o=;; esac; fi; ` +
	`m=; if [ -x "$p" ] && [ -z "$o" ]; then x=$(openssl dgst -sha256 -r "$p" 2>/dev/null); x=${x%% *}; ` +
	`for w in $h; do [ "$x" = "$w" ] && m=$w; done; ` +
	`if [ -z "$m" ]; then x=$(sha256sum <"$p" 2>/dev/null); x=${x%% *}; for w in $h; do [ "$x" = "$w" ] && m=$w; done; fi; fi; ` +
	`if [ -n "$m" ]; then h=$m; ` +
	`c=${a##*:}; c=${c%.*}; n=$(date +%s 2>/dev/null); ` +
	`if [ -n "$a" ] && [ "$a" = "$(st)" ] && [ -n "$n" ] && [ "$c" -le $((n - 2)) ] 2>/dev/null; then ` +
	`(umask 077; printf '%s %s\n' "$h" "$a" >"$s.$$" && mv -f "$s.$$" "$s") 2>/dev/null || rm -f "$s.$$"; fi; ` +
	`exec "$p" "$@"; fi; `
