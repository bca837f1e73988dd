package firewall

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// nftPeer is a network namespace nested in the isolated one, joined to it
// by a veth pair and kept alive by a sleeping process: another host on a
// link of ours, for traffic that really crosses our firewall.
type nftPeer struct {
	ns *os.File
}

// nftNewPeer creates the namespace and the link: hostIf here with the
// hostAddrs, eth0 there with the peerAddrs and the routes (ip route add
// arguments, separated by ';').
func nftNewPeer(t *testing.T, hostIf, hostAddrs, peerAddrs, routes string) *nftPeer {
	t.Helper()
	sleeper := exec.Command("unshare", "--net", "sleep", "600")
	if err := sleeper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sleeper.Process.Kill(); _ = sleeper.Wait() })
	pid := sleeper.Process.Pid
	nsPath := fmt.Sprintf("/proc/%d/ns/net", pid)
	nftWaitNewNS(t, nsPath)

	var sh strings.Builder
	fmt.Fprintf(&sh, "ip link add %s type veth peer name eth0 netns %d\n", hostIf, pid)
	for _, a := range strings.Fields(hostAddrs) {
		fmt.Fprintf(&sh, "ip addr add %s dev %s nodad\n", a, hostIf)
	}
	fmt.Fprintf(&sh, "ip link set %s up\n", hostIf)
	peer := "nsenter -t " + fmt.Sprint(pid) + " -n "
	sh.WriteString(peer + "ip link set lo up\n")
	for _, a := range strings.Fields(peerAddrs) {
		sh.WriteString(peer + "ip addr add " + a + " dev eth0 nodad\n")
	}
	sh.WriteString(peer + "ip link set eth0 up\n")
	for r := range strings.SplitSeq(routes, ";") {
		if r = strings.TrimSpace(r); r != "" {
			sh.WriteString(peer + "ip route add " + r + "\n")
		}
	}
	nftSh(t, sh.String())

	ns, err := os.Open(nsPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ns.Close() })
	return &nftPeer{ns: ns}
}

// nftWaitNewNS waits until unshare has moved the sleeper out of our
// namespace.
func nftWaitNewNS(t *testing.T, nsPath string) {
	t.Helper()
	ours, err := os.Readlink("/proc/self/ns/net")
	if err != nil {
		t.Fatal(err)
	}
	for range 100 {
		if theirs, err := os.Readlink(nsPath); err == nil && theirs != ours {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%s never left our network namespace", nsPath)
}

// in runs fn on a thread inside the peer's namespace: sockets fn opens
// belong to the peer for their whole life. The thread stays locked, so it
// ends with its goroutine instead of going back to the pool in the wrong
// namespace.
func (p *nftPeer) in(fn func()) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		if err := unix.Setns(int(p.ns.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("entering the peer's network namespace: %w", err)
			return
		}
		fn()
		errc <- nil
	}()
	return <-errc
}

// dial connects from the peer; the connection may be used from anywhere.
func (p *nftPeer) dial(t *testing.T, addr string) (net.Conn, error) {
	t.Helper()
	var c net.Conn
	var err error
	if ierr := p.in(func() { c, err = net.DialTimeout("tcp", addr, time.Second) }); ierr != nil {
		t.Fatal(ierr)
	}
	return c, err
}

// listen serves an echo server in the peer.
func (p *nftPeer) listen(t *testing.T, addr string) {
	t.Helper()
	var ln net.Listener
	var err error
	if ierr := p.in(func() { ln, err = net.Listen("tcp", addr) }); ierr != nil {
		t.Fatal(ierr)
	}
	nftServeEcho(t, ln, err)
}

func nftServeEcho(t *testing.T, ln net.Listener, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(c, c); _ = c.Close() }()
		}
	}()
}

// nftEcho checks that c still carries data both ways.
func nftEcho(c net.Conn) error {
	if err := c.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return err
	}
	if _, err := c.Write([]byte("ping")); err != nil {
		return err
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(c, buf); err != nil {
		return err
	}
	if string(buf) != "ping" {
		return fmt.Errorf("echo returned %q", buf)
	}
	return nil
}
