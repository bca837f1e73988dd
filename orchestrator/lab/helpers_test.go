package lab_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// checkGone fails t for anything of l left on the machine.
func checkGone(t *testing.T, l *lab.Lab, marks ...string) {
	t.Helper()
	for _, p := range labProcesses(append(marks, l.Dir)...) {
		t.Errorf("stray process: %s", p)
	}
	ns, _ := exec.Command("ip", "netns", "list").Output()
	links, _ := exec.Command("ip", "-o", "link").Output()
	prefix := fmt.Sprintf("ck8s%d", l.Index)
	for _, out := range [][]byte{ns, links} {
		for _, line := range strings.Split(string(out), "\n") {
			if strings.Contains(line, prefix+"-") || strings.Contains(line, prefix+"v") || strings.Contains(line, prefix+"br") {
				t.Errorf("left behind: %s", line)
			}
		}
	}
	for _, h := range l.Hosts {
		if _, err := os.Stat("/etc/netns/" + h.NetNS); err == nil {
			t.Errorf("/etc/netns/%s left behind", h.NetNS)
		}
	}
	if ents, err := os.ReadDir(l.Dir); err == nil {
		t.Errorf("lab dir still has %d entries", len(ents))
	}
	if _, err := os.Stat(fmt.Sprintf("/run/ck8s-lab/index-%d", l.Index)); err == nil {
		t.Errorf("index %d still claimed", l.Index)
	}
}

func checkDecoys(t *testing.T, h lab.Host) {
	for _, a := range []netip.Addr{h.Addr4, h.Addr6} {
		for _, p := range lab.DecoyPorts {
			addr := net.JoinHostPort(a.String(), strconv.Itoa(p))
			got, err := probe(addr, p)
			if err != nil {
				t.Errorf("decoy %s: %v", addr, err)
			} else if got == "" {
				t.Errorf("decoy %s: empty reply", addr)
			}
		}
	}
}

// probe speaks each port's protocol just enough to see a plausible answer.
func probe(addr string, port int) (string, error) {
	switch port {
	case 5432:
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			return "", err
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Write([]byte{0, 0, 0, 8, 4, 0xd2, 0x16, 0x2f}) // SSLRequest
		b := make([]byte, 1)
		_, err = io.ReadFull(c, b)
		return string(b), err
	case 443, 6443, 10250:
		return get("https://"+addr+"/", &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}})
	}
	return get("http://"+addr+"/", &http.Transport{})
}

func get(url string, tr *http.Transport) (string, error) {
	c := &http.Client{Transport: tr, Timeout: 3 * time.Second}
	defer tr.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.Status + " " + string(b), err
}

func checkHealthy(t *testing.T, l *lab.Lab) {
	t.Helper()
	_, sts := status(t, l)
	for _, st := range sts {
		if !st.SSHD || !st.Decoys || !st.SSHReachable {
			t.Errorf("status of %s: %+v", st.Host.Name, st)
		}
	}
}

func status(t *testing.T, l *lab.Lab) (*lab.Lab, []lab.HostStatus) {
	t.Helper()
	l2, sts, err := lab.Status(context.Background(), l.Dir)
	if err != nil {
		t.Fatal(err)
	}
	return l2, sts
}

// snapshot is what a second Up must not change: keys, known_hosts, pids.
func snapshot(t *testing.T, l *lab.Lab) string {
	t.Helper()
	var b strings.Builder
	for _, f := range []string{l.KeyFile, l.KnownHostsFile, l.PlaybookFile} {
		c, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "%s=%x ", filepath.Base(f), c)
	}
	for _, h := range l.Hosts {
		fmt.Fprintf(&b, "%s:%d/%d/%s ", h.Name, pidOf(t, l, h, "sshd"), pidOf(t, l, h, "decoys"), h.HostKeyPub)
	}
	return b.String()
}

func pidOf(t *testing.T, l *lab.Lab, h lab.Host, what string) int {
	t.Helper()
	pid := map[string]func(lab.Host) int{"sshd": l.SSHDPID, "decoys": l.DecoysPID}[what](h)
	if pid == 0 {
		t.Fatalf("%s of %s is not running", what, h.Name)
	}
	return pid
}

// running is true for a live, non-zombie process.
func running(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(b, ')')
	return i > 0 && i+2 < len(b) && b[i+2] != 'Z'
}

// labProcesses lists live processes whose command line or environment
// mentions any of marks.
func labProcesses(marks ...string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() || !running(pid) {
			continue
		}
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		env, _ := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
		for _, m := range marks {
			if bytes.Contains(cmd, []byte(m)) || bytes.Contains(env, []byte(m)) {
				found = append(found, fmt.Sprintf("%d %s", pid, bytes.ReplaceAll(cmd, []byte{0}, []byte{' '})))
				break
			}
		}
	}
	return found
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}
