//go:build linux

package scan

import (
	"net/netip"
	"os"
	"strings"
	"sync/atomic"

	"golang.org/x/sys/unix"

	"github.com/ck8s/ck8sctl/internal/fence"
)

// WithoutRaw makes raw sockets fail with EPERM until the returned func
// restores them, as for a process without CAP_NET_RAW.
func WithoutRaw() (restore func()) {
	saved := rawSocket
	rawSocket = func(int) (int, error) { return -1, unix.EPERM }
	return func() { rawSocket = saved }
}

// Craft exposes the SYN crafting for tests that forge answers.
var Craft = craft

type atomicU64 = atomic.Uint64

func testPID() int { return os.Getpid() }

func stringReader(s string) *strings.Reader { return strings.NewReader(s) }

func fenceNow() ([]netip.Prefix, error) { return fence.Parse(os.Getenv(fence.Env)) }

// PortBlocks is how many blocks of source ports the SYN engine's runs
// take in turn.
const PortBlocks = synBlocks
