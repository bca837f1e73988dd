// Command ck8sctl turns a bare Linux host into a hardened, observable
// Kubernetes staging host and keeps it that way. See the README.
package main

import (
	"os"

	"github.com/ck8s/ck8sctl/orchestrator/cli"
)

func main() { os.Exit(cli.Process()) }
