// Package pgtest starts throw-away PostgreSQL clusters for tests: initdb
// into a temp dir, the server on 127.0.0.1 with a random port and a Unix
// socket in that dir, a fresh database per test, everything stopped and
// removed afterwards. It uses the installed server binaries (Debian's
// postgresql package); without them a test skips, or fails under CI=true.
//
// initdb and the server refuse to run as root, so when the tests do they
// are run as the postgres user, in a directory handed over to it.
package pgtest

import (
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// ErrNotInstalled is returned when no PostgreSQL server binaries are found.
var ErrNotInstalled = errors.New("PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package")

// Start starts a cluster for t alone and removes it when t ends.
func Start(t testing.TB) *Cluster {
	t.Helper()
	c, stop, err := StartMain()
	if err != nil {
		skipOrFail(t, err)
	}
	t.Cleanup(stop)
	return c
}

// StartMain starts a cluster outside any test (from TestMain), so that one
// server serves a whole package. Call the returned func to stop and remove
// it. The error is ErrNotInstalled when the binaries are missing.
func StartMain() (*Cluster, func(), error) {
	bin, err := findBin()
	if err != nil {
		return nil, func() {}, err
	}
	c, err := newCluster(bin)
	if err != nil {
		return nil, func() {}, err
	}
	return c, c.remove, nil
}

// The package's shared cluster (Shared), started on first use so that a
// `go test -run` of tests that need none does not pay for initdb.
var shared struct {
	once sync.Once
	c    *Cluster
	stop func()
	err  error
}

// Shared returns the cluster shared by the package's tests, starting it
// on first use. The package's TestMain must call Main, which removes it.
func Shared(t testing.TB) *Cluster {
	t.Helper()
	shared.once.Do(func() { shared.c, shared.stop, shared.err = StartMain() })
	if shared.err != nil {
		skipOrFail(t, shared.err)
	}
	return shared.c
}

// Main runs the package's tests and then removes the shared cluster, if
// one was started. Use it as `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	return code
}

// skipOrFail skips t for missing binaries (fails under CI) and fails it
// for any other error.
func skipOrFail(t testing.TB, err error) {
	t.Helper()
	if errors.Is(err, ErrNotInstalled) && !testenv.CI() {
		t.Skip(err)
	}
	t.Fatal(fmt.Errorf("starting PostgreSQL: %w", err))
}

// logTail is the end of the server's log, for errors: why it did not start.
func logTail(path string) string {
	b, _ := os.ReadFile(path)
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
