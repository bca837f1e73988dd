// Package playbook loads and validates ck8sctl playbooks: the YAML file that
// names the hosts to act on and configures each part of the flow (firewall,
// DNS, the Kubernetes manifests and the checks).
//
// Loading either yields a complete playbook, defaults applied and paths made
// absolute, or every problem found at once, each naming its file, line and
// field path. Nothing after loading needs to validate input again.
// docs/playbook.md documents every key (a test checks it).
package playbook

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/readfile"
	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// MaxSize bounds a playbook file. Playbooks are hand-written; anything
// larger is a mistake (or an attack on the YAML parser).
const MaxSize = 1 << 20

// Playbook is a loaded, validated playbook.
type Playbook struct {
	Path      string   // as given to Load or Parse; used in messages
	Domain    string   // lower case, no trailing dot
	Mask      []string // extra secret patterns (regular expressions) to mask
	Hosts     []Host
	Firewall  Firewall
	DNS       DNS
	Manifests *Manifests // nil when the section is absent
	Checks    Checks

	defaults hostDefaults // for jump hosts written as [user@]host[:port]
}

var topKeys = []string{"domain", "mask", "defaults", "hosts", "firewall", "dns", "manifests", "checks"}

// Load reads and parses the playbook at path. Relative paths inside it are
// resolved against its directory.
func Load(path string) (*Playbook, error) {
	return load(path, false)
}

// LoadProfile is Load for a playbook whose hosts come from elsewhere (an
// Ansible inventory): its hosts list may be absent. What it configures
// (firewall, DNS, manifests, checks, defaults) is validated as always.
func LoadProfile(path string) (*Playbook, error) {
	return load(path, true)
}

// DefaultHost is a host with the playbook's defaults block applied: the
// base of hosts that come from an inventory.
func (p *Playbook) DefaultHost() Host {
	d := p.defaults
	return Host{Port: d.Port, User: d.User, IdentityFile: d.IdentityFile, KnownHostsFile: d.KnownHostsFile, Sudo: d.Sudo}
}

func load(path string, hostsOptional bool) (*Playbook, error) {
	data, err := readFile(path)
	if err != nil {
		msg := err.Error()
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) {
			msg = pe.Err.Error()
		}
		return nil, &Error{File: path, Msg: "cannot read playbook: " + msg, Err: err}
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error(), Err: err}
	}
	return parse(path, filepath.Dir(abs), data, hostsOptional)
}

// readFile reads a regular file only; the size is checked by parse.
func readFile(path string) ([]byte, error) {
	f, _, err := readfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, MaxSize+1))
}

// Parse parses a playbook held in memory; name is used in messages and its
// directory is the base of relative paths.
func Parse(name string, data []byte) (*Playbook, error) {
	return parse(name, filepath.Dir(name), data, false)
}

func parse(name, dir string, data []byte, hostsOptional bool) (*Playbook, error) {
	if len(data) > MaxSize {
		return nil, &Error{File: name, Msg: fmt.Sprintf("larger than %d bytes", MaxSize)}
	}
	root, perr := document(name, data)
	if perr != nil {
		return nil, perr
	}
	d := &decoder{file: name, dir: dir, hostsOptional: hostsOptional}
	d.Reader = yamlnode.Reader{Errorf: d.errorf}
	p := d.playbook(root)
	if err := joinErrors(d.errs); err != nil {
		return nil, err
	}
	p.Path = name
	return p, nil
}

// document returns the root node of the single YAML document in data.
func document(name string, data []byte) (*yaml.Node, *Error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); errors.Is(err, io.EOF) {
		return nil, &Error{File: name, Msg: "empty playbook: at least hosts is required"}
	} else if err != nil {
		return nil, syntaxError(name, err)
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			return nil, syntaxError(name, err)
		}
		return nil, &Error{File: name, Line: line, Msg: "only one YAML document is allowed"}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: name, Msg: "empty playbook: at least hosts is required"}
	}
	return doc.Content[0], nil
}
