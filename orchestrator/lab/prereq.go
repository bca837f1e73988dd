package lab

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// sshdPath must be absolute: sshd re-executes itself for every connection.
const sshdPath = "/usr/sbin/sshd"

// programs the lab runs, with the Debian package that provides each.
var programs = []struct{ name, pkg string }{
	{"ip", "iproute2"},
	{sshdPath, "openssh-server"},
	{"unshare", "util-linux"},
	{"nsenter", "util-linux"},
	{"mount", "mount"},
	{"sudo", "sudo"},
	{"useradd", "passwd"},
	{"chpasswd", "passwd"},
}

// checkPrerequisites names everything missing at once, so a newcomer fixes
// the machine in one go rather than one error per run. Tearing down needs
// less than building: only root and ip, so a lab can always be removed.
func checkPrerequisites(teardown bool) error {
	const need = "the lab needs root on Linux with iproute2, util-linux, openssh-server and sudo"
	if runtime.GOOS != "linux" {
		return fmt.Errorf("%w: %s (this is %s)", ErrPrerequisite, need, runtime.GOOS)
	}
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: %s (run as root, e.g. with sudo)", ErrPrerequisite, need)
	}
	var missing, pkgs []string
	for _, p := range programs {
		if teardown && p.name != "ip" {
			continue
		}
		if _, err := exec.LookPath(p.name); err != nil {
			missing = append(missing, p.name)
			pkgs = appendUnique(pkgs, p.pkg)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: %s; missing %s (apt-get install %s)",
			ErrPrerequisite, need, strings.Join(missing, ", "), strings.Join(pkgs, " "))
	}
	if teardown {
		return nil
	}
	return checkRootUnlocked("/etc/shadow")
}

// checkRootUnlocked fails when root's password is locked with "!": the lab's
// sshd runs with UsePAM no, and then OpenSSH refuses locked accounts even for
// key logins, which would surface much later as a baffling auth failure.
func checkRootUnlocked(shadow string) error {
	pw, err := shadowPassword(shadow, "root")
	if err != nil {
		return fmt.Errorf("checking root account: %w", err)
	}
	if strings.HasPrefix(pw, "!") {
		return fmt.Errorf("%w: root's password is locked (\"!\" in %s), so sshd refuses root key logins; "+
			"unlock it without a password with: usermod -p '*' root", ErrPrerequisite, shadow)
	}
	return nil
}

// shadowPassword returns user's password field from a shadow file.
func shadowPassword(shadow, user string) (string, error) {
	f, err := os.Open(shadow)
	if err != nil {
		return "", err
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		fields := strings.Split(s.Text(), ":")
		if len(fields) > 1 && fields[0] == user {
			return fields[1], nil
		}
	}
	if err := s.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("user %s not in %s", user, shadow)
}

func appendUnique(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}
