package listeners

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// TestOwnersLowestPid: a socket shared by several processes belongs to
// the lowest pid by number, not by name ("10" sorts before "9"), also when
// the scan stops once every socket has an owner; a socket nobody holds
// keeps none.
func TestOwnersLowestPid(t *testing.T) {
	proc := t.TempDir()
	holds := map[string][]string{ // pid: its fds' links
		"7":    {"/dev/null", "pipe:[5]"},
		"9":    {"socket:[100]"},
		"10":   {"socket:[100]", "socket:[300]"},
		"100":  {"socket:[200]", "socket:[100]"},
		"1000": {"socket:[200]"},
	}
	comm := map[string]string{"7": "init", "9": "sshd", "10": "sshd-session", "100": "nginx", "1000": "worker"}
	for pid, links := range holds {
		fd := filepath.Join(proc, pid, "fd")
		if err := os.MkdirAll(fd, 0o755); err != nil {
			t.Fatal(err)
		}
		for i, l := range links {
			if err := os.Symlink(l, filepath.Join(fd, string(rune('3'+i)))); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(filepath.Join(proc, pid, "comm"), []byte(comm[pid]+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := owners(proc, []socket{{inode: 100}, {inode: 200}, {inode: 300}, {inode: 400}})
	want := map[uint64]owner{100: {9, "sshd"}, 200: {100, "nginx"}, 300: {10, "sshd-session"}}
	if len(got) != len(want) {
		t.Errorf("owners = %v, want %v", got, want)
	}
	for ino, o := range want {
		if got[ino] != o {
			t.Errorf("owner of socket %d = %+v, want %+v", ino, got[ino], o)
		}
	}
}

// TestRecentReusesAFreshScan: Recent answers with this process's last
// scan of the same root while it is young enough, and scans again when it
// is older or of another root.
func TestRecentReusesAFreshScan(t *testing.T) {
	root := t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "proc", "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	table := func(ports ...string) {
		s := "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
		for i, p := range ports {
			s += "   0: 00000000:" + p + " 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 " + string(rune('1'+i)) + " 1 0 100 0 0 10 0\n"
		}
		if err := os.WriteFile(filepath.Join(root, "proc", "net", "tcp"), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	path := func(p string) string { return filepath.Join(root, p) }
	ports := func(ls []facts.Listener, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, l := range ls {
			out = append(out, strconv.Itoa(int(l.Port)))
		}
		return strings.Join(out, ",")
	}
	table("0016")
	if got := ports(Collect(path)); got != "22" {
		t.Fatalf("Collect: %s", got)
	}
	table("0016", "0050")
	if got := ports(Recent(path, time.Minute)); got != "22" {
		t.Errorf("Recent within a minute of the scan: %s, want the scan's 22", got)
	}
	if got := ports(Recent(path, 0)); got != "22,80" {
		t.Errorf("Recent of a scan older than maxAge: %s, want a new scan's 22,80", got)
	}
	other := t.TempDir()
	if err := os.MkdirAll(filepath.Join(other, "proc", "net"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(other, "proc", "net", "tcp"), []byte("  sl  local_address\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := ports(Recent(func(p string) string { return filepath.Join(other, p) }, time.Minute)); got != "" {
		t.Errorf("Recent of another root: %s, want its own (empty) scan", got)
	}
}

// TestOwnersInThisNetworkNamespace: processes of another network
// namespace are not read (a pod's, another lab host's): a socket only they
// hold keeps no owner, and a lower pid of theirs does not win a socket a
// process of this namespace holds. A process whose namespace cannot be
// read is read as before.
func TestOwnersInThisNetworkNamespace(t *testing.T) {
	proc := t.TempDir()
	mkdir := func(dir string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, name string) {
		if err := os.Symlink(target, name); err != nil {
			t.Fatal(err)
		}
	}
	mkdir(filepath.Join(proc, "self", "ns"))
	link("net:[1]", filepath.Join(proc, "self", "ns", "net"))
	for _, p := range []struct{ pid, ns, sock, comm string }{
		{"5", "net:[2]", "socket:[100]", "pod-proxy"},
		{"6", "net:[1]", "socket:[100]", "sshd"},
		{"7", "", "socket:[200]", "nginx"},
		{"8", "net:[2]", "socket:[300]", "pod-app"},
	} {
		dir := filepath.Join(proc, p.pid)
		mkdir(filepath.Join(dir, "fd"))
		link(p.sock, filepath.Join(dir, "fd", "3"))
		if p.ns != "" {
			mkdir(filepath.Join(dir, "ns"))
			link(p.ns, filepath.Join(dir, "ns", "net"))
		}
		if err := os.WriteFile(filepath.Join(dir, "comm"), []byte(p.comm+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got := owners(proc, []socket{{inode: 100}, {inode: 200}, {inode: 300}})
	want := map[uint64]owner{100: {6, "sshd"}, 200: {7, "nginx"}}
	if len(got) != len(want) || got[100] != want[100] || got[200] != want[200] {
		t.Errorf("owners = %v, want %v", got, want)
	}
}
