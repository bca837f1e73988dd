package inventory

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

func TestConnectionFields(t *testing.T) {
	home, err := os.UserHomeDir()
	if err != nil {
		t.Skip(err)
	}
	inv := mustParse(t, "/srv/inv/hosts.ini", `
plain
full ansible_host=198.18.0.5 ansible_port=2222 ansible_user=deploy ansible_ssh_private_key_file=keys/id ansible_become=yes
old ansible_ssh_host=198.18.0.6 ansible_ssh_port=2200 ansible_ssh_user=legacy ansible_private_key_file=~/.ssh/id_old
both ansible_host=198.18.0.7 ansible_ssh_host=198.18.0.8
[sudo]
numeric ansible_host=10 ansible_user=1001 ansible_become=0
[sudo:vars]
ansible_become=True
`)
	yes, no := true, false
	for name, want := range map[string]Host{
		"plain":   {Address: "plain"},
		"full":    {Address: "198.18.0.5", Port: 2222, User: "deploy", IdentityFile: "/srv/inv/keys/id", Become: &yes},
		"old":     {Address: "198.18.0.6", Port: 2200, User: "legacy", IdentityFile: filepath.Join(home, ".ssh/id_old")},
		"both":    {Address: "198.18.0.8"}, // the ssh_ alias wins, as in Ansible's ssh plugin
		"numeric": {Address: "10", User: "1001", Become: &no},
	} {
		h := host(t, inv, name)
		got := Host{Address: h.Address, Port: h.Port, User: h.User, IdentityFile: h.IdentityFile, Become: h.Become}
		if got.Address != want.Address || got.Port != want.Port || got.User != want.User ||
			got.IdentityFile != want.IdentityFile || (got.Become == nil) != (want.Become == nil) ||
			(got.Become != nil && *got.Become != *want.Become) {
			t.Errorf("%s: %+v (become %v), want %+v (become %v)", name, got, deref2(got.Become), want, deref2(want.Become))
		}
	}
}

func deref2(b *bool) any {
	if b == nil {
		return nil
	}
	return *b
}

func TestToPlaybook(t *testing.T) {
	inv := mustParse(t, "/srv/inv/hosts.ini", "a ansible_host=198.18.0.5 ansible_port=2222 ansible_user=deploy ansible_ssh_private_key_file=/k ansible_become=false\nb\n")
	def := playbook.Host{Port: 22, User: "root", IdentityFile: "/default", KnownHostsFile: "/kh", Sudo: true}
	a := host(t, inv, "a").ToPlaybook(def)
	want := playbook.Host{Name: "a", Address: "198.18.0.5", Port: 2222, User: "deploy", IdentityFile: "/k", KnownHostsFile: "/kh", Sudo: false, Line: 1}
	if a.Name != want.Name || a.Address != want.Address || a.Port != want.Port || a.User != want.User ||
		a.IdentityFile != want.IdentityFile || a.KnownHostsFile != want.KnownHostsFile || a.Sudo != want.Sudo || a.Line != want.Line {
		t.Errorf("a: %+v, want %+v", a, want)
	}
	b := host(t, inv, "b").ToPlaybook(def)
	if b.Address != "b" || b.Port != 22 || b.User != "root" || b.IdentityFile != "/default" || !b.Sudo || b.Line != 2 {
		t.Errorf("b keeps the defaults: %+v", b)
	}
}
