package listeners

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ck8s/ck8sctl/internal/facts"
)

// stateListen is TCP_LISTEN in the st column of /proc/net/tcp.
const stateListen = "0A"

// socket is one LISTEN row before its owner is known.
type socket struct {
	l     facts.Listener
	inode uint64
}

// Collect lists the listening sockets under path (env.Path: the host's
// root, or a fixture), sorted by port, protocol and address, one entry per
// (proto, addr, port): SO_REUSEPORT groups show up once.
func Collect(path func(string) string) ([]facts.Listener, error) {
	var socks []socket
	for _, proto := range []string{"tcp", "tcp6"} {
		s, err := listTable(path("/proc/net/"+proto), proto)
		if err != nil {
			return nil, err
		}
		socks = append(socks, s...)
	}
	owners := owners(path("/proc"), socks)
	seen := map[facts.Listener]bool{}
	out := []facts.Listener{}
	for _, s := range socks {
		key := s.l
		if seen[key] {
			continue
		}
		seen[key] = true
		if o, ok := owners[s.inode]; ok {
			s.l.PID, s.l.Process = o.pid, o.comm
		}
		out = append(out, s.l)
	}
	slices.SortFunc(out, func(a, b facts.Listener) int {
		return cmp.Or(cmp.Compare(a.Port, b.Port), cmp.Compare(a.Proto, b.Proto), a.Addr.Compare(b.Addr))
	})
	last.remember(path("/"), out)
	return out, nil
}

// Recent returns the listeners of path's root as a Collect of this
// process found them at most maxAge ago, or else collects them now. The
// owners scan reads a link per open file of every process (8-15 ms of
// host CPU on a lab host, more with many processes), and a harden runs
// the firewall step, which needs the sshd ports, right before this one.
func Recent(path func(string) string, maxAge time.Duration) ([]facts.Listener, error) {
	if ls, ok := last.get(path("/"), maxAge); ok {
		return ls, nil
	}
	return Collect(path)
}

// lastScan is the last Collect of this process.
type lastScan struct {
	mu   sync.Mutex
	root string
	at   time.Time
	ls   []facts.Listener
}

var last lastScan

func (c *lastScan) remember(root string, ls []facts.Listener) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.root, c.at, c.ls = root, time.Now(), slices.Clone(ls)
}

func (c *lastScan) get(root string, maxAge time.Duration) ([]facts.Listener, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.ls == nil || c.root != root || time.Since(c.at) > maxAge {
		return nil, false
	}
	return slices.Clone(c.ls), true
}

// listTable lists one table's LISTEN sockets: the host's own (the root is
// "/") through sock_diag, a fixture's (and, should sock_diag be missing,
// the host's) from the file.
func listTable(file, proto string) ([]socket, error) {
	if file == "/proc/net/"+proto {
		if s, err := diagListeners(proto); err == nil {
			return s, nil
		}
	}
	return readTable(file, proto)
}

// readTable parses the LISTEN rows of one /proc/net/tcp{,6}. A missing
// tcp6 (IPv6 disabled) is an empty table.
func readTable(file, proto string) ([]socket, error) {
	f, err := os.Open(file)
	if errors.Is(err, fs.ErrNotExist) && proto == "tcp6" {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing listeners: %w", err)
	}
	defer f.Close()
	var out []socket
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		fields := strings.Fields(sc.Text())
		if line == 1 || len(fields) < 10 || fields[3] != stateListen {
			continue // the header, or a connection
		}
		addr, port, err := parseAddr(fields[1])
		if err != nil {
			return nil, fmt.Errorf("listing listeners: %s line %d: %w", file, line, err)
		}
		inode, _ := strconv.ParseUint(fields[9], 10, 64)
		out = append(out, socket{facts.Listener{Proto: proto, Addr: addr, Port: port}, inode})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("listing listeners: reading %s: %w", file, err)
	}
	return out, nil
}

// parseAddr decodes "0100007F:0016" or the 32-digit IPv6 form. The kernel
// prints the address as 32-bit words in host byte order, the port as a
// plain number.
func parseAddr(s string) (netip.Addr, uint16, error) {
	a, p, ok := strings.Cut(s, ":")
	if !ok || (len(a) != 8 && len(a) != 32) {
		return netip.Addr{}, 0, fmt.Errorf("bad address %q", s)
	}
	port, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("bad port in %q", s)
	}
	raw, err := hex.DecodeString(a)
	if err != nil {
		return netip.Addr{}, 0, fmt.Errorf("bad address %q", s)
	}
	b := make([]byte, len(raw))
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(b[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(b)
	return addr, uint16(port), nil
}

type owner struct {
	pid  int
	comm string
}

// owners maps the inodes of socks to the process holding them, by the
// "socket:[inode]" links in /proc/<pid>/fd. Anything unreadable (a process
// gone, fds hidden by hidepid) is skipped; the lowest pid wins a shared
// socket, so the parent of forked workers is named.
//
// A process in another network namespace than this one is not read: the
// sockets listed are this namespace's, which its processes hold. On a
// Kubernetes host that skips every pod's processes for one readlink each
// instead of a readlink per open file; on a lab host, which shares its
// pid namespace with the machine, Collect took 1.4-1.7 ms instead of
// 2.7-3.6.
// (A process that opened its socket and then moved to another namespace
// would go unnamed; sshd's ports come from the plan as well.)
func owners(proc string, socks []socket) map[uint64]owner {
	want := map[uint64]bool{}
	for _, s := range socks {
		want[s.inode] = true
	}
	out := map[uint64]owner{}
	mine := netns(filepath.Join(proc, "self"))
	for _, pid := range pids(proc) {
		if len(out) == len(want) {
			// Every socket has its lowest-pid owner: the pids are in
			// ascending order, so no later process can change that. sshd
			// and most daemons start early; a host's thousands of later
			// processes (containers, sessions) are not read at all.
			break
		}
		dir := filepath.Join(proc, strconv.Itoa(pid))
		if ns := netns(dir); mine != "" && ns != "" && ns != mine {
			continue
		}
		fds, _ := os.ReadDir(filepath.Join(dir, "fd"))
		var comm string
		for _, fd := range fds {
			link, err := os.Readlink(filepath.Join(dir, "fd", fd.Name()))
			ino, ok := strings.CutPrefix(link, "socket:[")
			if err != nil || !ok {
				continue
			}
			inode, err := strconv.ParseUint(strings.TrimSuffix(ino, "]"), 10, 64)
			if err != nil || !want[inode] {
				continue
			}
			if o, ok := out[inode]; ok && o.pid < pid {
				continue
			}
			if comm == "" {
				b, _ := os.ReadFile(filepath.Join(dir, "comm"))
				comm = strings.TrimSpace(string(b))
			}
			out[inode] = owner{pid, comm}
		}
	}
	return out
}

// netns is the network namespace of the process at dir ("net:[4026531840]"),
// "" when unreadable (a fixture, a process gone).
func netns(dir string) string {
	l, _ := os.Readlink(filepath.Join(dir, "ns", "net"))
	return l
}

// pids lists the numeric entries of proc in ascending order (ReadDir
// sorts them as strings).
func pids(proc string) []int {
	entries, _ := os.ReadDir(proc)
	out := make([]int, 0, len(entries))
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && pid > 0 {
			out = append(out, pid)
		}
	}
	slices.Sort(out)
	return out
}
