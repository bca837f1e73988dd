package inventory

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Every error names the file and, where one applies, the line and the
// section or key path: "inv.ini:3: [p:children]: …".
func TestParseErrors(t *testing.T) {
	cases := []struct {
		file, src string
		prefix    string // the error starts with this
		contains  string
	}{
		{"inv.ini", "[web]\nh\n[web:foo]\n", "inv.ini:3: [web:foo]: ", "unknown section type"},
		{"inv.ini", "[web servers]\n", "inv.ini:1: ", "invalid section"},
		{"inv.ini", "[web:children:x]\n", "inv.ini:1: ", "invalid section"},
		{"inv.ini", "[g]\nh x=\"open\n", "inv.ini:2: [g]: ", "no closing quotation"},
		{"inv.ini", "[g]\nh novalue\n", "inv.ini:2: [g]: ", "want key=value"},
		{"inv.ini", "[g]\nh\n[g:vars]\njustakey\n", "inv.ini:4: [g:vars]: ", "want key=value"},
		{"inv.ini", "[p:children]\ntwo words\n", "inv.ini:2: [p:children]: ", "want a group name"},
		{"inv.ini", "[p:children]\nweb\nghost\n[web]\nh\n", "inv.ini:3: [p:children]: ", `includes undefined group "ghost"`},
		{"inv.ini", "[g]\nh\n[nogroup:vars]\nx=1\n", "inv.ini:3: [nogroup:vars]: ", "never defined"},
		{"inv.ini", "[a:children]\nb\n[b:children]\nc\n[c:children]\na\n", "inv.ini:6: [c:children]: ", `making "a" a child of "c" creates a cycle: a > b > c > a`},
		{"inv.ini", "[a:children]\na\n", "inv.ini:2: [a:children]: ", "its own child"},
		{"inv.ini", "web[3:1]\n", "inv.ini:1: ", "empty range"},
		{"inv.ini", "web:\n", "inv.ini:1: ", "trailing ':'"},
		{"inv.ini", "---\nall:\n", "inv.ini:1: ", "YAML"},
		{"inv.ini", "h x={1,2}\n", "inv.ini:1: ", "Python set"},
		{"inv.ini", "[g]\nh\xff\n", "inv.ini:2: [g]: ", "UTF-8"},
		{"inv.ini", "[g]\nh ansible_port=ssh\n", "inv.ini:2: h: ansible_port: ", "between 1 and 65535"},
		{"inv.ini", "h ansible_port=70000\n", "inv.ini:1: h: ansible_port: ", "between 1 and 65535"},
		{"inv.ini", "\n[g]\nh\n[g:vars]\nansible_become=maybe\n", "inv.ini:3: h: ansible_become: ", "want a boolean"},
		{"inv.ini", "h ansible_host='{{ x }}.lab'\n", "inv.ini:1: h: ansible_host: ", "Jinja"},
		{"inv.ini", "h ansible_user=[1]\n", "inv.ini:1: h: ansible_user: ", "want a user name"},
		{"inv.ini", "[g]\nh\n[g:vars]\nansible_group_priority=high\n", "inv.ini:4: [g:vars]: ", "want an integer"},
		{"inv.ini", "#!/usr/bin/env python3\n", "inv.ini:1: ", "dynamic inventory scripts"},
		{"inv.toml", "[all]\n", "inv.toml: ", "TOML"},
		{"inv.yml", "plugin: aws_ec2\nregions: [x]\n", "inv.yml:1: plugin: ", "inventory plugins are not supported"},
		{"inv.yml", "all:\n  children:\n    web:\n      host:\n        w1:\n", "inv.yml:4: all.children.web.host: ", "unknown key"},
		{"inv.yml", "web:\n  hosts:\n    - w1\n", "inv.yml:3: web.hosts: ", "want a mapping"},
		{"inv.yml", "web: [w1]\n", "inv.yml:1: web: ", "a group must be a mapping"},
		{"inv.yml", "web:\n  hosts: {w1: 5}\n", "inv.yml:2: web.hosts.w1: ", "host variables must be a mapping"},
		{"inv.yml", "web:\n  hosts:\n    w1: {a: 1\n", "inv.yml:", "YAML"},
		{"inv.yml", "web:\n  vars:\n    secret: !vault |\n      $ANSIBLE_VAULT;1.1;AES256\n      6162\n", "inv.yml:3: web.vars.secret: ", "vault"},
		{"inv.yml", "a:\n  children:\n    b:\n      children:\n        a:\n", "inv.yml:5: a.children.b.children.a: ", `making "a" a child of "b" creates a cycle: a > b > a`},
		{"inv.yml", "web:\n  hosts:\n    123:\n", "inv.yml:3: web.hosts.123: ", "must be a non-empty string"},
		{"inv.yml", "yes:\n  hosts: {h: }\n", "inv.yml:1: yes: ", "group name must be a non-empty string"},
		{"inv.yml", "web:\n  hosts: {h: }\n---\ndb:\n", "inv.yml:3: ", "YAML: more than one document"},
		{"inv.yml", "", "inv.yml: ", "empty"},
		{"inv.yml", "- web\n", "inv.yml:1: ", "want a mapping of groups"},
		{"inv.yml", "web:\n  hosts:\n    h:\n      ansible_port: 0\n", "inv.yml:3: h: ansible_port: ", "between 1 and 65535"},
		{"inv.yml", "web:\n  hosts:\n    h:\n      ansible_become: sometimes\n", "inv.yml:3: h: ansible_become: ", "want a boolean"},
		{"inv.yml", "a: &a\n  b: *a\n", "inv.yml:", ""},
	}
	for _, c := range cases {
		_, err := Parse(c.file, []byte(c.src))
		if err == nil {
			t.Errorf("%s %q: no error", c.file, c.src)
			continue
		}
		var ie *Error
		if !errors.As(err, &ie) {
			t.Errorf("%s %q: %v is not an *Error", c.file, c.src, err)
		}
		if msg := err.Error(); !strings.HasPrefix(msg, c.prefix) || !strings.Contains(msg, c.contains) {
			t.Errorf("%s %q:\n got %s\nwant %s…%s", c.file, c.src, msg, c.prefix, c.contains)
		}
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	write := func(name, src string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(src), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	fifo := filepath.Join(dir, "fifo.ini")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	withVars := filepath.Join(dir, "site")
	if err := os.MkdirAll(filepath.Join(withVars, "group_vars"), 0o755); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		dir:                                "a directory",
		write("script", "[g]\nh\n", 0o755): "executable: dynamic inventory scripts",
		write("big.ini", strings.Repeat("h\n", MaxSize), 0o644): "larger than",
		fifo:                                  "not a regular file",
		filepath.Join(dir, "missing.ini"):     "cannot read: no such file",
		write("site/hosts.ini", "h\n", 0o644): "group_vars/ beside the inventory",
	}
	for path, want := range cases {
		_, err := Load(path)
		if err == nil || !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s): %v, want %q", path, err, want)
		}
	}
	inv, err := Load(write("ok.ini", "h\n", 0o644))
	if err != nil || len(inv.Hosts) != 1 {
		t.Fatalf("Load(ok.ini): %v", err)
	}
}
