package host

import (
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/lab/labtest"
)

// relayArg turns the test binary into a ProxyCommand: `<test binary>
// ck8s-test-relay TARGET LOGFILE [WORDS...]` appends its pid and WORDS to
// LOGFILE (what %h %p %r became), then relays stdin and stdout to TARGET.
const relayArg = "ck8s-test-relay"

// TestMain lets the lab re-run this test binary as its decoy listener, and
// ProxyCommand tests as their relay.
func TestMain(m *testing.M) {
	if len(os.Args) >= 4 && os.Args[1] == relayArg {
		os.Exit(relay(os.Args[2], os.Args[3], os.Args[4:]))
	}
	labtest.Main(m)
}

func relay(target, logFile string, words []string) int {
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Fprintf(f, "%d %s\n", os.Getpid(), strings.Join(words, " "))
	f.Close()
	conn, err := net.Dial("tcp", target)
	if err != nil {
		fmt.Fprintln(os.Stderr, "relay:", err)
		return 1
	}
	go func() { io.Copy(conn, os.Stdin); conn.Close() }()
	io.Copy(os.Stdout, conn)
	return 0
}
