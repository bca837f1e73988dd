package lab

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
)

// labUsers are created once per machine and shared by every lab; Down leaves
// them because they are harmless and another lab may be using them.
var labUsers = []struct{ name, sudoers string }{
	{SudoUser, SudoUser + " ALL=(ALL:ALL) NOPASSWD: ALL\n"},
	{PasswordSudoUser, PasswordSudoUser + " ALL=(ALL:ALL) ALL\n"},
}

// ensureUsers must run under the machine lock: useradd and chpasswd of two
// labs at once would race on /etc/passwd's lock.
func ensureUsers(ctx context.Context) error {
	for _, u := range labUsers {
		if err := ensureUser(ctx, u.name, u.sudoers); err != nil {
			return fmt.Errorf("creating lab user %s: %w", u.name, err)
		}
	}
	return nil
}

func ensureUser(ctx context.Context, name, sudoers string) error {
	if _, err := user.Lookup(name); err != nil {
		if err := run(ctx, nil, "useradd", "--create-home", "--shell", "/bin/bash", "--user-group", name); err != nil {
			return err
		}
	}
	// useradd leaves the password "!" (locked); with UsePAM no sshd refuses
	// locked accounts even for key logins, so set a random password nobody
	// knows. For ck8spw it is also what makes sudo ask for one.
	pw, err := shadowPassword("/etc/shadow", name)
	if err != nil {
		return err
	}
	if pw == "" || pw == "*" || strings.HasPrefix(pw, "!") {
		secret := make([]byte, 24)
		if _, err := rand.Read(secret); err != nil {
			return err
		}
		line := name + ":" + base64.RawURLEncoding.EncodeToString(secret) + "\n"
		if err := run(ctx, strings.NewReader(line), "chpasswd"); err != nil {
			return err
		}
	}
	// sudo ignores files in sudoers.d whose names contain a dot, so the
	// temporary file of the atomic write is never read half-written.
	path := filepath.Join("/etc/sudoers.d", "ck8s-lab-"+name)
	if b, err := os.ReadFile(path); err == nil && string(b) == sudoers {
		return nil
	}
	return writeFileAtomic(path, []byte(sudoers), 0o440)
}

// run runs a short command and folds its output into the error.
func run(ctx context.Context, stdin *strings.Reader, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = stdin
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}
