package cli

import (
	"fmt"
	"io"
	"runtime"

	"github.com/ck8s/ck8sctl/internal/event"
)

// version is set at build time:
// -ldflags "-X github.com/ck8s/ck8sctl/agent/cli.version=v1.2.3".
var version = "dev"

// Version returns the agent's version.
func Version() string { return version }

// cmdVersion prints "ck8s-agent VERSION protocol N OS/ARCH": one line, the
// fields in a fixed order, for people and for scripts.
func cmdVersion(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if err := parse(newFlags("version", stderr), args); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "ck8s-agent %s protocol %d %s/%s\n", version, event.Protocol, runtime.GOOS, runtime.GOARCH)
	return err
}
