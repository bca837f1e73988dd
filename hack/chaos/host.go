package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
	"golang.org/x/sys/unix"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// hostView reads and changes one lab host as its sshd sees it (its own
// /etc overlay and /var/lib/ck8s, which may be a campaign tmpfs).
type hostView struct {
	l       *lab.Lab
	h       lab.Host
	backend string // the playbooks' firewall.backend: iptables or nftables
}

func (v hostView) sh(ctx context.Context, script string) (string, error) {
	out, err := v.l.Exec(ctx, v.h, "sh", "-c", script)
	return string(out), err
}

// owned is the host's ck8s rules as iptables-save (or nft) prints them,
// without counters: what "restored" compares.
func (v hostView) owned(ctx context.Context) (string, error) {
	if v.backend == backendNFT {
		// No table is no rules; a failed listing is an error.
		return v.sh(ctx, `t=$(nft list tables) || exit 1; case "$t" in *"inet ck8s"*) nft -s list table inet ck8s;; esac`)
	}
	// A failed save is an error, not half a rule set: that looked like a
	// host left between profiles.
	return v.sh(ctx, `a=$(iptables-save) && b=$(ip6tables-save) || exit 1; `+
		`printf '%s\n%s\n' "$a" "$b" | grep CK8S | sed 's/\[[0-9]*:[0-9]*\]//'; true`)
}

// settled reports whether no change is pending on the host and no agent
// or watchdog of ours runs in its network namespace.
func (v hostView) settled(ctx context.Context) bool {
	out, err := v.sh(ctx, "test -e /var/lib/ck8s/firewall/pending.json && echo pending; true")
	return err == nil && strings.TrimSpace(out) == "" && len(v.agents("")) == 0
}

// agents lists the pids in the host's network namespace whose command line
// holds "ck8s-agent" and what (any, when empty).
func (v hostView) agents(what string) []int {
	want, err := os.Stat(filepath.Join("/run/netns", v.h.NetNS))
	if err != nil {
		return nil
	}
	ino := want.Sys().(*syscall.Stat_t).Ino
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		ns, err := os.Readlink(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil || ns != fmt.Sprintf("net:[%d]", ino) {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		c := strings.ReplaceAll(string(cmd), "\x00", " ")
		if strings.Contains(c, "ck8s-agent") && strings.Contains(c, what) {
			out = append(out, pid)
		}
	}
	return out
}

// waitSSH waits until a new SSH session on the host runs `true`, and
// returns when, or false at deadline.
func (v hostView) waitSSH(ctx context.Context, deadline time.Time) (time.Time, bool) {
	for {
		if err := v.sshTrue(ctx); err == nil {
			return time.Now(), true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return time.Time{}, false
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func (v hostView) sshTrue(ctx context.Context) error {
	key, err := os.ReadFile(v.l.KeyFile)
	if err != nil {
		return err
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		return err
	}
	hk, err := knownhosts.New(v.l.KnownHostsFile)
	if err != nil {
		return err
	}
	cfg := &ssh.ClientConfig{User: "root", Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)}, HostKeyCallback: hk, Timeout: 2 * time.Second}
	addr := net.JoinHostPort(v.h.Addr4.String(), strconv.Itoa(v.h.Port))
	d := net.Dialer{Timeout: 2 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	_ = conn.SetDeadline(time.Now().Add(4 * time.Second))
	c, chans, reqs, err := ssh.NewClientConn(conn, addr, cfg)
	if err != nil {
		conn.Close()
		return err
	}
	client := ssh.NewClient(c, chans, reqs)
	defer client.Close()
	s, err := client.NewSession()
	if err != nil {
		return err
	}
	defer s.Close()
	return s.Run("true")
}

// killSession kills, by pid, every process in the session of the host's
// running agent (`ck8s-agent run`) and that session's sshd: what logind
// does to a terminated login. It returns how many it killed (0: no agent
// ran at that moment).
func (v hostView) killSession() int {
	n := 0
	for _, pid := range v.agents(" run") {
		sid, err := unix.Getsid(pid)
		if err != nil {
			continue
		}
		for _, p := range v.sessionPids(sid) {
			if syscall.Kill(p, syscall.SIGKILL) == nil {
				n++
			}
		}
	}
	return n
}

// sessionPids are the processes of session sid, and the parent of its
// leader (sshd's per-connection process, never the lab's sshd itself).
func (v hostView) sessionPids(sid int) []int {
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if s, err := unix.Getsid(pid); err == nil && s == sid {
			out = append(out, pid)
		}
	}
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", sid))
	if f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:])); len(f) > 2 {
		if ppid, err := strconv.Atoi(f[1]); err == nil && ppid > 1 && ppid != v.l.SSHDPID(v.h) {
			out = append(out, ppid)
		}
	}
	return out
}
