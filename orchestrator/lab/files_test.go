package lab

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestEnsureKeyKeepsKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "id_ed25519")
	pub1, err := ensureKey(path, "c")
	if err != nil {
		t.Fatal(err)
	}
	pub2, err := ensureKey(path, "c")
	if err != nil || pub1 != pub2 || !strings.HasPrefix(pub1, "ssh-ed25519 ") {
		t.Fatalf("second ensureKey = %q, %v; first %q", pub2, err, pub1)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key mode: %v %v", fi.Mode(), err)
	}
}

func TestKnownHosts(t *testing.T) {
	pub, err := ensureKey(filepath.Join(t.TempDir(), "k"), "c")
	if err != nil {
		t.Fatal(err)
	}
	h1, h2 := newHost(0, 1), newHost(7, 2)
	h1.HostKeyPub, h2.HostKeyPub = pub, pub
	h2.Port = 2222
	kh, err := knownHosts([]Host{h1, h2})
	if err != nil {
		t.Fatal(err)
	}
	want := "198.18.0.11,2001:db8::11 " + pub + "\n[198.18.7.12]:2222,[2001:db8:7::12]:2222 " + pub + "\n"
	if string(kh) != want {
		t.Errorf("known_hosts:\n%s\nwant:\n%s", kh, want)
	}
}

// TestPlaybookSchema pins the keys the playbook package reads.
func TestPlaybookSchema(t *testing.T) {
	l := newLab(Options{Dir: "/abs/.lab", Hosts: 2})
	b, err := renderPlaybook(l)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Domain string
		Hosts  []map[string]any
	}
	if err := yaml.Unmarshal(b, &got); err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	h := got.Hosts[0]
	if got.Domain != Domain || len(got.Hosts) != 2 || h["name"] != "lab-1" || h["address"] != "198.18.0.11" ||
		h["port"] != 22 || h["user"] != "root" || h["identityFile"] != "/abs/.lab/id_ed25519" ||
		h["knownHostsFile"] != "/abs/.lab/known_hosts" || h["sudo"] != false ||
		len(h["expectIPs"].([]any)) != 2 || h["expectIPs"].([]any)[1] != "2001:db8::11" || len(h) != 8 {
		t.Errorf("playbook:\n%s", b)
	}
}
