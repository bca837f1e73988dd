package pgtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
)

// User is the superuser initdb creates; tests connect as it, trusted
// (the server listens on loopback and a private socket only).
const User = "ck8s"

// Cluster is a running throw-away PostgreSQL server.
type Cluster struct {
	bin  string // directory of initdb, pg_ctl, postgres
	dir  string // temp dir: data/, the socket, the log
	port int
	cred *syscall.Credential // the postgres user's, when we are root
}

// findBin returns the newest /usr/lib/postgresql/*/bin (Debian), else the
// directory of pg_ctl on PATH.
func findBin() (string, error) {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		return filepath.Dir(p), nil
	}
	return "", ErrNotInstalled
}

// version is the major version in /usr/lib/postgresql/VERSION/bin.
func version(bin string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(bin)))
	return v
}

func newCluster(bin string) (*Cluster, error) {
	c := &Cluster{bin: bin}
	var err error
	if c.cred, err = serverCredential(); err != nil {
		return nil, err
	}
	// os.MkdirTemp, not t.TempDir: the server user must traverse every
	// parent, and t.TempDir's parents are 0700 root.
	if c.dir, err = os.MkdirTemp("", "ck8s-pgtest-"); err != nil {
		return nil, err
	}
	if c.cred != nil {
		if err := os.Chown(c.dir, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
			c.remove()
			return nil, err
		}
	}
	if err := c.initdb(); err != nil {
		c.remove()
		return nil, err
	}
	if c.port, err = freePort(); err != nil {
		c.remove()
		return nil, err
	}
	if err := c.Start(); err != nil {
		c.remove()
		return nil, err
	}
	return c, nil
}

// serverCredential is the postgres user's when we run as root (initdb and
// postgres refuse root), nil otherwise: the server then runs as us.
func serverCredential() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running PostgreSQL as root needs the postgres user: %w", err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}, nil
}

func (c *Cluster) initdb() error {
	// --no-sync: a test cluster need not survive a power cut. C locale:
	// byte order, the same on every machine; UTF8 as in production.
	return c.run("initdb", "-D", c.data(), "-A", "trust", "-U", User, "-E", "UTF8",
		"--locale=C", "--no-sync", "--no-instructions")
}

// Start starts the server (again, after Stop) on its port. The tests'
// settings trade durability for speed: fsync off is for tests only (a
// commit still survives Stop, which cuts the server, not the machine).
func (c *Cluster) Start() error {
	opts := strings.Join([]string{"-k", c.dir, "-c", "listen_addresses=127.0.0.1", "-p", strconv.Itoa(c.port),
		"-c", "fsync=off"}, " ")
	err := c.run("pg_ctl", "-D", c.data(), "-l", c.log(), "-w", "-t", "60", "-o", opts, "start")
	if err != nil {
		return fmt.Errorf("%w\nserver log:\n%s", err, logTail(c.log()))
	}
	return nil
}

// Stop stops the server at once, as a crash would (connections are cut;
// Start brings it back on the same port with the same data).
func (c *Cluster) Stop() error {
	return c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop")
}

// remove stops the server and deletes its directory.
func (c *Cluster) remove() {
	if _, err := os.Stat(filepath.Join(c.data(), "postmaster.pid")); err == nil {
		_ = c.Stop()
	}
	_ = os.RemoveAll(c.dir)
}

func (c *Cluster) data() string { return filepath.Join(c.dir, "data") }
func (c *Cluster) log() string  { return filepath.Join(c.dir, "server.log") }

// run runs one of the server binaries as the server user, in the cluster
// directory (the postgres user may not read our working directory).
func (c *Cluster) run(prog string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, prog), args...)
	cmd.Dir = c.dir
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", prog, args[len(args)-1], err, out)
	}
	return nil
}

// freePort asks the kernel for a free loopback port. Another process may
// take it before the server binds it; Start then fails and says so.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
