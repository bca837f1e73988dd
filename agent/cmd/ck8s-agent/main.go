// Command ck8s-agent runs on a host on behalf of ck8sctl: it reads a plan
// on stdin, runs its steps and writes NDJSON events on stdout. See package
// agent/cli for the commands and exit codes.
package main

import (
	"os"

	"github.com/ck8s/ck8sctl/agent/cli"
)

func main() { os.Exit(cli.Main(os.Args, os.Stdin, os.Stdout, os.Stderr)) }
