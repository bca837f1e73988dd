package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// playbook writes a playbook for the first len(hosts) lab hosts.
func playbook(l *lab.Lab, hosts []lab.Host) (string, error) {
	var b strings.Builder
	b.WriteString("domain: staging.lab.test\nhosts:\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, "  - name: %s\n    address: %s\n    user: root\n    identityFile: %s\n    knownHostsFile: %s\n",
			h.Name, h.Addr4, l.KeyFile, l.KnownHostsFile)
	}
	p := filepath.Join(l.Dir, fmt.Sprintf("bench-%d.yaml", len(hosts)))
	return p, os.WriteFile(p, []byte(b.String()), 0o600)
}

func splitComma(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
