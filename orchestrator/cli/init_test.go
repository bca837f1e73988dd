package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// loadInit runs ck8sctl init with args writing to a new file and loads
// the result with the playbook loader every other command uses.
func loadInit(t *testing.T, args ...string) (*playbook.Playbook, string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "ck8s.yaml")
	r := ck8sctl(t, append([]string{"init", "-o", out}, args...)...)
	if r.code != ExitOK {
		t.Fatalf("init %v: exit %d: %s", args, r.code, r.stderr)
	}
	text, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	pb, err := playbook.Load(out)
	if err != nil {
		t.Fatalf("the starter playbook does not load: %v\n%s", err, text)
	}
	return pb, string(text)
}

func TestInitFromFlags(t *testing.T) {
	pb, text := loadInit(t, "--domain", "staging.example.com", "--host", "web-1=198.18.0.10",
		"--host", "v6=2001:db8::20", "--user", "deploy", "--identity-file", "~/.ssh/ops")
	if pb.Domain != "staging.example.com" || len(pb.Hosts) != 2 {
		t.Fatalf("domain %q, %d hosts:\n%s", pb.Domain, len(pb.Hosts), text)
	}
	home, _ := os.UserHomeDir()
	for i, want := range []struct{ name, addr string }{{"web-1", "198.18.0.10"}, {"v6", "2001:db8::20"}} {
		h := pb.Hosts[i]
		if h.Name != want.name || h.Address != want.addr || h.User != "deploy" || h.Port != 22 || h.IdentityFile != filepath.Join(home, ".ssh/ops") {
			t.Errorf("host %d: %+v, want %s at %s as deploy with ~/.ssh/ops", i, h, want.name, want.addr)
		}
	}
	if n := strings.Count(text, "#"); n < 10 {
		t.Errorf("only %d comments: the starter teaches the schema by its comments\n%s", n, text)
	}
}

// TestInitPlaceholder: with no host, a documented example host loads.
func TestInitPlaceholder(t *testing.T) {
	pb, _ := loadInit(t, "--domain", "example.org")
	if len(pb.Hosts) != 1 || pb.Hosts[0].Address != "203.0.113.10" {
		t.Errorf("hosts %+v, want the documentation example", pb.Hosts)
	}
}

const iniInventory = `bastion ansible_host=198.18.0.2 ansible_user=ops
[web]
web1.example.com ansible_host=198.18.0.11 ansible_port=2222
198.18.0.12 ansible_user=deploy ansible_become=true
[web:vars]
ansible_ssh_private_key_file=/keys/web_ed25519
`

const yamlInventory = `all:
  hosts:
    bastion:
      ansible_host: 198.18.0.2
      ansible_user: ops
  children:
    web:
      vars:
        ansible_ssh_private_key_file: /keys/web_ed25519
      hosts:
        web1.example.com:
          ansible_host: 198.18.0.11
          ansible_port: 2222
        198.18.0.12:
          ansible_user: deploy
          ansible_become: true
`

// TestInitFromInventory: hosts and their ansible_host, ansible_user,
// ansible_port, ansible_ssh_private_key_file and ansible_become carry
// over from INI and YAML alike; names become DNS labels.
func TestInitFromInventory(t *testing.T) {
	for name, inv := range map[string]string{"hosts.ini": iniInventory, "hosts.yaml": yamlInventory} {
		path := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(path, []byte(inv), 0o600); err != nil {
			t.Fatal(err)
		}
		pb, text := loadInit(t, "--domain", "staging.example.com", "--inventory", path)
		want := []playbook.Host{
			{Name: "bastion", Address: "198.18.0.2", Port: 22, User: "ops"},
			{Name: "web1", Address: "198.18.0.11", Port: 2222, User: "root", IdentityFile: "/keys/web_ed25519"},
			{Name: "host-198-18-0-12", Address: "198.18.0.12", Port: 22, User: "deploy", IdentityFile: "/keys/web_ed25519", Sudo: true},
		}
		if len(pb.Hosts) != len(want) {
			t.Fatalf("%s: %d hosts, want %d:\n%s", name, len(pb.Hosts), len(want), text)
		}
		for i, w := range want {
			h := pb.Hosts[i]
			if h.Name != w.Name || h.Address != w.Address || h.Port != w.Port || h.User != w.User || h.Sudo != w.Sudo ||
				(w.IdentityFile != "" && h.IdentityFile != w.IdentityFile) {
				t.Errorf("%s: host %d = %+v, want %+v", name, i, h, w)
			}
		}
		if !strings.Contains(text, "# inventory groups: web") {
			t.Errorf("%s: the groups are not noted:\n%s", name, text)
		}
	}
}

// TestInitRefusesOverwrite: an existing file is kept unless --force.
func TestInitRefusesOverwrite(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ck8s.yaml")
	if err := os.WriteFile(out, []byte("mine\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := ck8sctl(t, "init", "--domain", "example.org", "-o", out)
	if got, _ := os.ReadFile(out); r.code != ExitBadInput || string(got) != "mine\n" || !strings.Contains(r.stderr, "--force") {
		t.Errorf("without --force: exit %d, file %q, stderr %s", r.code, got, r.stderr)
	}
	if r := ck8sctl(t, "init", "--domain", "example.org", "-o", out, "--force"); r.code != ExitOK {
		t.Fatalf("with --force: exit %d: %s", r.code, r.stderr)
	}
	if _, err := playbook.Load(out); err != nil {
		t.Errorf("after --force: %v", err)
	}
}

// TestInitBadInput: values the playbook would refuse are refused by init,
// naming what was wrong, and nothing is written.
func TestInitBadInput(t *testing.T) {
	out := filepath.Join(t.TempDir(), "ck8s.yaml")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--domain", "example.org", "--host", "web1"}, "NAME=ADDRESS"},
		{[]string{"--domain", "example.org", "--host", "web_1=198.18.0.1"}, "web_1"},
		{[]string{"--domain", "example.org", "--host", "a=198.18.0.1:22"}, "port"},
		{[]string{"--domain", "a b", "--host", "a=198.18.0.1"}, "domain"},
		{[]string{"--host", "a=198.18.0.1"}, "domain"},
	} {
		r := ck8sctl(t, append([]string{"init", "-o", out}, tc.args...)...)
		if r.code != ExitBadInput || !strings.Contains(r.stderr, tc.want) {
			t.Errorf("init %v: exit %d, stderr %q, want exit 2 naming %q", tc.args, r.code, r.stderr, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("init %v wrote %s", tc.args, out)
		}
	}
}
