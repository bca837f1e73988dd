package host

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/crypto/ssh/knownhosts"
)

// A host whose playbook names no known_hosts file is verified against
// ssh_config's UserKnownHostsFile list and GlobalKnownHostsFile; with
// StrictHostKeyChecking accept-new its key is recorded in the first user
// file. The playbook's file, when set, wins over all of them.
func TestSSHConfigKnownHostsFiles(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	dir := t.TempDir()
	line := knownhosts.Line([]string{s.Addr}, s.HostKeys[0]) + "\n"
	writeFile(t, filepath.Join(dir, "second"), line)
	writeFile(t, filepath.Join(dir, "global"), line)
	writeFile(t, filepath.Join(dir, "empty"), "")
	cfg := writeSSHConfig(t, fmt.Sprintf(`Host user-list
  UserKnownHostsFile %[1]s/missing %[1]s/second
Host global
  UserKnownHostsFile %[1]s/empty
  GlobalKnownHostsFile %[1]s/global
Host unknown
  UserKnownHostsFile %[1]s/empty
Host tofu
  UserKnownHostsFile %[1]s/new/first %[1]s/empty
  StrictHostKeyChecking accept-new
Host *
  HostName 127.0.0.1
`, dir))
	conf := func(alias string) Config {
		c := s.Config(alias)
		c.Address, c.KnownHostsFile, c.SSHConfigFile = alias, "", cfg
		return c
	}
	dialT(t, conf("user-list")).Close()
	dialT(t, conf("global")).Close()

	_, err := Dial(t.Context(), conf("unknown"))
	if !errors.Is(err, ErrHostKeyUnknown) || !strings.Contains(err.Error(), dir+"/empty") {
		t.Errorf("unknown: %v, want ErrHostKeyUnknown naming %s/empty", err, dir)
	}
	withPlaybookFile := conf("global")
	withPlaybookFile.KnownHostsFile = filepath.Join(dir, "empty")
	if _, err := Dial(t.Context(), withPlaybookFile); !errors.Is(err, ErrHostKeyUnknown) {
		t.Errorf("playbook knownHostsFile must win over ssh_config's files: %v", err)
	}

	dialT(t, conf("tofu")).Close()
	if b, err := os.ReadFile(filepath.Join(dir, "new", "first")); err != nil || string(b) != line {
		t.Errorf("first UserKnownHostsFile = %q, %v; want %q", b, err, line)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "empty")); len(b) != 0 {
		t.Errorf("second UserKnownHostsFile written: %q", b)
	}
}

// UserKnownHostsFile none leaves nowhere to record a key: even with
// accept-new the unknown host is refused, not trusted anew every time.
func TestUserKnownHostsFileNoneRefusesNewKeys(t *testing.T) {
	t.Parallel()
	s := startSSHD(t)
	c := s.Config("none")
	c.Address, c.KnownHostsFile, c.AcceptNewHostKeys = "none-host", "", true
	c.SSHConfigFile = writeSSHConfig(t, "Host none-host\n  HostName 127.0.0.1\n  UserKnownHostsFile /dev/null\n")
	_, err := Dial(t.Context(), c)
	if !errors.Is(err, ErrHostKeyUnknown) || !strings.Contains(err.Error(), "nowhere to record") {
		t.Fatalf("want ErrHostKeyUnknown saying there is nowhere to record, got %v", err)
	}
}

// A UserKnownHostsFile that is a directory is bad input, found before
// dialling.
func TestCheckFilesSSHConfigKnownHosts(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := Config{Name: "h", Address: "h", AgentSocket: "none", IdentityFiles: []string{writeTestKey(t, dir)},
		SSHConfigFile: writeSSHConfig(t, "Host h\n  GlobalKnownHostsFile "+dir+"\n")}
	if err := c.CheckFiles(); err == nil || !strings.Contains(err.Error(), dir) {
		t.Fatalf("CheckFiles: %v, want an error naming %s", err, dir)
	}
}
