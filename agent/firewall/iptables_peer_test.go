package firewall

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// iptPeer is a network namespace holding the other end of a veth.
type iptPeer struct{ ns string }

func iptPeerNamespace(t *testing.T) iptPeer {
	t.Helper()
	cmd := exec.Command("unshare", "--net", "sleep", "600")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := iptPeer{ns: fmt.Sprintf("/proc/%d/ns/net", cmd.Process.Pid)}
	self, _ := os.Readlink("/proc/self/ns/net")
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if ns, err := os.Readlink(p.ns); err == nil && ns != self {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the peer never got a network namespace of its own")
		}
	}
	in := func(args ...string) []string { return append([]string{"nsenter", "--net=" + p.ns}, args...) }
	for _, argv := range [][]string{
		{"ip", "link", "add", "ck8s-host", "type", "veth", "peer", "name", "ck8s-peer"},
		{"ip", "link", "set", "ck8s-peer", "netns", p.ns},
		{"ip", "addr", "add", iptHost4 + "/24", "dev", "ck8s-host"},
		{"ip", "addr", "add", iptHost6 + "/64", "dev", "ck8s-host", "nodad"},
		{"ip", "link", "set", "ck8s-host", "up"},
		in("ip", "link", "set", "lo", "up"),
		in("ip", "addr", "add", iptPeer4+"/24", "dev", "ck8s-peer"),
		in("ip", "addr", "add", iptPeer6+"/64", "dev", "ck8s-peer", "nodad"),
		in("ip", "link", "set", "ck8s-peer", "up"),
	} {
		iptCmd(t, "", argv...)
	}
	return p
}

// dial reports whether a TCP connection from the peer succeeds within a
// second (a DROP shows as the timeout).
func (p iptPeer) dial(host, port string) bool {
	script := "exec 3<>/dev/tcp/" + host + "/" + port
	return exec.Command("nsenter", "--net="+p.ns, "timeout", "1", "bash", "-c", script).Run() == nil
}

// iptSession is a connection from the peer that says "one", waits for a
// flag file, then says "two"; the echo server answers each line.
type iptSession struct {
	cmd  *exec.Cmd
	flag string
	out  *bufio.Reader
	got  string
}

func (p iptPeer) session(t *testing.T, host, port string) *iptSession {
	t.Helper()
	s := &iptSession{flag: filepath.Join(t.TempDir(), "go")}
	script := fmt.Sprintf(`exec 3<>/dev/tcp/%s/%s || exit 1
echo one >&3; read -t 2 l <&3; echo "$l"
while [ ! -e %s ]; do sleep 0.05; done
echo two >&3; if read -t 2 l <&3; then echo "$l"; else echo lost; fi`, host, port, s.flag)
	s.cmd = exec.Command("nsenter", "--net="+p.ns, "bash", "-c", script)
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s.out = bufio.NewReader(stdout)
	if s.got, err = s.out.ReadString('\n'); s.got != "one\n" {
		t.Fatalf("opening a session from the peer: %q, %v", s.got, err)
	}
	return s
}

func (s *iptSession) finish(t *testing.T) string {
	t.Helper()
	if err := os.WriteFile(s.flag, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	rest, _ := io.ReadAll(s.out)
	_ = s.cmd.Wait()
	return s.got + string(rest)
}

// iptEchoServer answers every line on addr (both families) until the test
// ends.
func iptEchoServer(t *testing.T, addr string) {
	t.Helper()
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); _, _ = io.Copy(c, c) }()
		}
	}()
}
