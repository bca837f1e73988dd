//go:build linux

package scan

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/ck8s/ck8sctl/internal/testenv"
)

// TestFallback: where raw sockets fail with EPERM, auto runs the connect
// engine and says why, a forced syn fails with ErrNoRaw, and the results
// name the connect engine.
func TestFallback(t *testing.T) {
	restore := WithoutRaw()
	defer restore()
	if _, err := NewEngine(EngineSYN, 0, 0); !errors.Is(err, ErrNoRaw) || !errors.Is(err, unix.EPERM) {
		t.Fatalf("forced syn without raw sockets: %v, want ErrNoRaw (EPERM)", err)
	}
	fallbackScan(t)
}

// fallbackScan checks that an auto engine falls back and still finds a
// listener.
func fallbackScan(t *testing.T) {
	t.Helper()
	eng, err := NewEngine(EngineAuto, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if eng.Kind() != EngineConnect || !errors.Is(eng.Fallback(), ErrNoRaw) {
		t.Fatalf("auto without raw sockets: kind %s, fallback %v", eng.Kind(), eng.Fallback())
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := uint16(ln.Addr().(*net.TCPAddr).Port)
	a := netip.MustParseAddr("127.0.0.1")
	res, err := (&Scanner{Engine: eng, Guard: Hosts(a)}).Scan(context.Background(), []netip.Addr{a}, []uint16{port, port + 1})
	if err != nil {
		t.Fatal(err)
	}
	if res[0].Engine != EngineConnect || !slices.Equal(res[0].Open, []uint16{port}) {
		t.Fatalf("result: engine %s open %v, want connect and %d", res[0].Engine, res[0].Open, port)
	}
}

// TestFallbackWithoutCapNetRaw runs the fallback check again in a child
// of this test binary started by capsh without CAP_NET_RAW: the real
// kernel refusal, not an injected one.
func TestFallbackWithoutCapNetRaw(t *testing.T) {
	if os.Getenv("CK8S_SCAN_NO_RAW_CHILD") == "1" {
		fallbackScan(t)
		return
	}
	testenv.RequireRoot(t)
	testenv.RequireCommand(t, "capsh")
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("capsh", "--drop=cap_net_raw", "--", "-c", `exec "$0" -test.run='^TestFallbackWithoutCapNetRaw$' -test.v`, exe)
	cmd.Env = append(os.Environ(), "CK8S_SCAN_NO_RAW_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestFallbackWithoutCapNetRaw") {
		t.Fatalf("child without CAP_NET_RAW: %v\n%s", err, out)
	}
}
