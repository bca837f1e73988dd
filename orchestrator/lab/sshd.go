package lab

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// sshdConfig is a hardened-as-staging sshd: keys only, root by key only.
// AuthorizedKeysCommand rather than AuthorizedKeysFile: sshd reads an
// authorized_keys file as the logging-in user, and ck8s cannot traverse a lab
// dir under /root or a 0700 test temp dir; the command runs as root and
// prints the lab's one file for every account.
func sshdConfig(dir string, h Host) string {
	hd := hostDir(dir, h.Name)
	return strings.Join([]string{
		"# written by ck8sctl lab; rewritten by every lab up",
		"Port " + strconv.Itoa(h.Port),
		"ListenAddress 0.0.0.0",
		"ListenAddress ::",
		"HostKey " + quote(filepath.Join(hd, "ssh_host_ed25519_key")),
		// Not sshd.pid: that is the lab's record, written at start; sshd
		// rewriting it (truncate, then write) would let a reader see it empty.
		"PidFile " + quote(filepath.Join(hd, "sshd.daemon.pid")),
		"AuthorizedKeysFile none",
		"AuthorizedKeysCommand /bin/cat " + quote(filepath.Join(dir, "authorized_keys")),
		"AuthorizedKeysCommandUser root",
		"PubkeyAuthentication yes",
		"PasswordAuthentication no",
		"KbdInteractiveAuthentication no",
		"PermitRootLogin prohibit-password",
		"StrictModes no",
		// PAM's session modules (loginuid, systemd) misbehave in namespaces
		// and containers; without PAM, sshd still refuses locked accounts.
		"UsePAM no",
		"UseDNS no",
		"PrintMotd no",
		"X11Forwarding no",
		"Subsystem sftp internal-sftp",
		// Tests and the orchestrator open many connections at once.
		"MaxStartups 200:30:400",
		"MaxSessions 50",
		"LogLevel VERBOSE",
		"",
	}, "\n")
}

// quote protects paths with spaces in sshd_config.
func quote(s string) string {
	if strings.ContainsAny(s, " \t\"") {
		return `"` + s + `"`
	}
	return s
}

// nsScript enters h's own mount and UTS namespaces (inside `ip netns exec`),
// names the host and gives it its own /var/lib/ck8s, its own, empty /root
// (a fresh host's root has no dotfiles, while this machine's /root/.bashrc,
// which bash reads for every command sshd runs, may take seconds per login)
// and its own /etc: an overlay whose writes land in the host's directory, so
// what the agent persists there (rules.v4, nftables.conf) and what a test
// switches (iptables alternatives) stays on that host. The overlay hides the
// files `ip netns exec` bind-mounted from /etc/netns/<ns> (hosts,
// resolv.conf), so they are bound again on top. It then execs "$@": sshd and
// everything its sessions start see the same view.
const nsScript = `printf %s "$1" >/proc/sys/kernel/hostname && mount --bind "$2" /var/lib/ck8s && mount --bind "$3" /root && ` +
	`mount -t overlay overlay -o "lowerdir=/etc,upperdir=$4,workdir=$5" /etc && ` +
	`for f in /etc/netns/"$6"/*; do if [ -f "$f" ]; then mount --bind "$f" "/etc/${f##*/}"; fi; done && ` +
	`shift 6 && exec "$@"`

func inHostNS(dir string, h Host, argv ...string) []string {
	return append([]string{"ip", "netns", "exec", h.NetNS,
		"unshare", "--mount", "--uts", "--propagation", "private",
		"sh", "-c", nsScript, "sh", h.Name, filepath.Join(hostDir(dir, h.Name), "state"),
		filepath.Join(hostDir(dir, h.Name), "root"),
		filepath.Join(hostDir(dir, h.Name), "etc"), filepath.Join(hostDir(dir, h.Name), "etc.work"), h.NetNS}, argv...)
}

// ensureSSHD starts h's sshd unless the recorded one is alive, and waits
// until it accepts connections.
func ensureSSHD(ctx context.Context, dir string, h Host) error {
	p := sshdProc(dir, h)
	if err := writeFileAtomic(sshdConfigPath(dir, h), []byte(sshdConfig(dir, h)), 0o644); err != nil {
		return fmt.Errorf("configuring sshd on %s: %w", h.Name, err)
	}
	if ok, err := p.runningIn(h.NetNS); err != nil {
		return fmt.Errorf("replacing sshd on %s: %w", h.Name, err)
	} else if ok {
		// Started by an earlier, interrupted Up: it may not listen yet.
		if err := waitListening(ctx, h.Addr4, h.Port, nil); err != nil {
			return fmt.Errorf("waiting for sshd on %s: %w", h.Name, err)
		}
		return nil
	}
	log := filepath.Join(hostDir(dir, h.Name), "sshd.log")
	// -D: stay in the foreground so the recorded pid is the listener itself
	// (ip, unshare and sh all exec). -E: log to the lab dir, not syslog.
	_, exited, err := p.start(inHostNS(dir, h, sshdPath, "-D", "-f", sshdConfigPath(dir, h), "-E", log), log)
	if err != nil {
		return fmt.Errorf("starting sshd on %s: %w", h.Name, err)
	}
	if err := waitListening(ctx, h.Addr4, h.Port, exited); err != nil {
		return fmt.Errorf("starting sshd on %s: %w (see %s)%s", h.Name, err, log, logTail(log))
	}
	return nil
}

// waitListening polls a TCP connect with a short timeout, so Up never sleeps
// longer than the process needs, and gives up at once if it exits.
func waitListening(ctx context.Context, a netip.Addr, port int, exited <-chan struct{}) error {
	addr := net.JoinHostPort(a.String(), strconv.Itoa(port))
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			return c.Close()
		}
		select {
		case <-exited:
			return fmt.Errorf("exited before listening on %s", addr)
		case <-ctx.Done():
			return fmt.Errorf("not listening on %s: %w", addr, ctx.Err())
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// logTail returns the last lines of a log for an error message.
func logTail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil || len(b) == 0 {
		return ""
	}
	if len(b) > 600 {
		b = b[len(b)-600:]
	}
	return ":\n" + strings.TrimSpace(string(b))
}
