package lab_test

import (
	"net/netip"
	"os/exec"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/lab"
)

// ssh runs cmd on addr with the system OpenSSH client, trusting nothing but
// the lab's known_hosts and key, and returns trimmed combined output.
func ssh(l *lab.Lab, user string, addr netip.Addr, cmd string) (string, error) {
	out, err := exec.Command("ssh", "-F", "/dev/null",
		"-i", l.KeyFile, "-o", "IdentitiesOnly=yes",
		"-o", "UserKnownHostsFile="+l.KnownHostsFile, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o", "ConnectTimeout=10",
		// The default post-quantum kex costs CPU that two busy cores lack.
		"-o", "KexAlgorithms=curve25519-sha256",
		"-l", user, addr.String(), cmd).CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

func mustSSH(t *testing.T, l *lab.Lab, user string, addr netip.Addr, cmd string) string {
	t.Helper()
	out, err := ssh(l, user, addr, cmd)
	if err != nil {
		t.Fatalf("ssh %s@%s %q: %v: %s", user, addr, cmd, err, out)
	}
	return out
}
