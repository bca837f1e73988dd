package host

import (
	"bytes"
	"errors"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
)

// UserKnownHostsFile (a list, ~ expanded) and GlobalKnownHostsFile are the
// known_hosts of a host whose playbook names none; the first user file
// records; the playbook's file, when set, is the only one.
func TestKnownHostsFilesFromSSHConfig(t *testing.T) {
	t.Parallel()
	home, _ := os.UserHomeDir()
	cfg := writeSSHConfig(t, `
Host a
  UserKnownHostsFile ~/.ssh/kh_%h /etc/kh2
  GlobalKnownHostsFile /etc/global1 /etc/global2
Host b
  UserKnownHostsFile none
Host c
  UserKnownHostsFile /dev/null
`)
	for _, tc := range []struct {
		c            Config
		record       string
		verification []string
	}{
		{Config{Address: "a"}, home + "/.ssh/kh_a", []string{home + "/.ssh/kh_a", "/etc/kh2", "/etc/global1", "/etc/global2"}},
		{Config{Address: "a", KnownHostsFile: "/playbook/kh"}, "/playbook/kh", []string{"/playbook/kh"}},
		{Config{Address: "b"}, "none", nil},
		{Config{Address: "c"}, "none", nil},
		{Config{Address: "other"}, home + "/.ssh/known_hosts", []string{home + "/.ssh/known_hosts"}},
	} {
		tc.c.SSHConfigFile = cfg
		r, err := tc.c.resolve()
		if err != nil {
			t.Fatal(err)
		}
		if r.KnownHostsFile != tc.record || !slices.Equal(r.knownHosts, tc.verification) {
			t.Errorf("%s: records in %q, checks %q; want %q, %q", tc.c.Address, r.KnownHostsFile, r.knownHosts, tc.record, tc.verification)
		}
	}
}

// StrictHostKeyChecking: accept-new is trust on first use, yes and ask are
// strict, no and off refuse the host (CheckFiles too, so the run exits 2
// before dialling), naming the file and line.
func TestStrictHostKeyChecking(t *testing.T) {
	t.Parallel()
	cfg := writeSSHConfig(t, `Host tofu
  StrictHostKeyChecking accept-new
Host strict
  StrictHostKeyChecking ask
Host careless
  HostName 198.18.0.9
  StrictHostKeyChecking no
Host viabad
  ProxyJump careless
Host typo
  StrictHostKeyChecking maybe
`)
	resolve := func(alias string) (Config, error) {
		return Config{Address: alias, SSHConfigFile: cfg, KnownHostsFile: "/kh"}.resolve()
	}
	if c, err := resolve("tofu"); err != nil || !c.AcceptNewHostKeys {
		t.Errorf("accept-new: AcceptNewHostKeys %v, %v", c.AcceptNewHostKeys, err)
	}
	if c, err := resolve("strict"); err != nil || c.AcceptNewHostKeys {
		t.Errorf("ask: AcceptNewHostKeys %v, %v", c.AcceptNewHostKeys, err)
	}
	for _, alias := range []string{"careless", "viabad"} {
		_, err := resolve(alias)
		if !errors.Is(err, ErrInsecureSSHConfig) || !strings.Contains(err.Error(), cfg+":7: StrictHostKeyChecking no") {
			t.Errorf("%s: %v, want ErrInsecureSSHConfig naming %s:7", alias, err, cfg)
		}
		err = Config{Address: alias, SSHConfigFile: cfg, KnownHostsFile: "/kh"}.CheckFiles()
		if !errors.Is(err, ErrInsecureSSHConfig) {
			t.Errorf("%s: CheckFiles %v, want ErrInsecureSSHConfig", alias, err)
		}
	}
	if _, err := resolve("typo"); err == nil || !strings.Contains(err.Error(), `StrictHostKeyChecking "maybe"`) {
		t.Errorf("typo: %v", err)
	}
}

// Options ck8sctl does not act on are named once per process and file,
// without their values; honoured ones and other hosts' are not named.
func TestIgnoredOptionsWarnedOnce(t *testing.T) {
	t.Parallel()
	cfg := writeSSHConfig(t, `Host web
  HostName 198.18.0.4
  ForwardAgent yes
  HostKeyAlias secret-looking-value
  IdentitiesOnly yes
Host other
  LocalForward 8080 198.18.0.5:80
`)
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	for range 2 {
		if _, err := (Config{Address: "web", SSHConfigFile: cfg, Logger: log}).resolve(); err != nil {
			t.Fatal(err)
		}
	}
	out := logs.String()
	if n := strings.Count(out, "level=WARN"); n != 1 {
		t.Fatalf("%d warnings, want 1:\n%s", n, out)
	}
	for _, want := range []string{"ForwardAgent,HostKeyAlias", "file=" + cfg} {
		if !strings.Contains(out, want) {
			t.Errorf("warning lacks %q:\n%s", want, out)
		}
	}
	for _, not := range []string{"secret-looking-value", "IdentitiesOnly", "HostName", "LocalForward"} {
		if strings.Contains(out, not) {
			t.Errorf("warning names %q:\n%s", not, out)
		}
	}
}

// ProxyJump and ProxyCommand compete: the first in the file wins, and an
// explicit jump host or ProxyCommand wins over both. Tokens are expanded
// once the host is resolved.
func TestProxyCommandResolution(t *testing.T) {
	t.Parallel()
	cfg := writeSSHConfig(t, `Host cmdfirst
  HostName 198.18.0.7
  User deploy
  ProxyCommand relay %h:%p as %r 100%%
  ProxyJump bastion
Host jumpfirst
  ProxyJump bastion
  ProxyCommand relay %h
Host off
  ProxyCommand none
Host bad
  ProxyCommand relay %z
`)
	c, err := Config{Address: "cmdfirst", SSHConfigFile: cfg}.resolve()
	if err != nil || c.ProxyCommand != "relay 198.18.0.7:22 as deploy 100%" || c.Jump != nil {
		t.Errorf("cmdfirst: ProxyCommand %q, jump %v, %v", c.ProxyCommand, c.Jump, err)
	}
	c, err = Config{Address: "jumpfirst", SSHConfigFile: cfg}.resolve()
	if err != nil || c.ProxyCommand != "" || c.Jump == nil {
		t.Errorf("jumpfirst: ProxyCommand %q, jump %v, %v", c.ProxyCommand, c.Jump, err)
	}
	c, err = Config{Address: "cmdfirst", SSHConfigFile: cfg, Jump: &Config{Address: "j"}}.resolve()
	if err != nil || c.ProxyCommand != "" {
		t.Errorf("explicit jump: ProxyCommand %q, %v", c.ProxyCommand, err)
	}
	c, err = Config{Address: "cmdfirst", SSHConfigFile: cfg, ProxyCommand: "none"}.resolve()
	if err != nil || c.ProxyCommand != "" || c.Jump != nil {
		t.Errorf("explicit none: ProxyCommand %q, jump %v, %v", c.ProxyCommand, c.Jump, err)
	}
	if c, err = (Config{Address: "off", SSHConfigFile: cfg}).resolve(); err != nil || c.ProxyCommand != "" {
		t.Errorf("ProxyCommand none: %q, %v", c.ProxyCommand, err)
	}
	if _, err := (Config{Address: "bad", SSHConfigFile: cfg}).resolve(); err == nil || !strings.Contains(err.Error(), "%z") {
		t.Errorf("unknown token: %v", err)
	}
}
