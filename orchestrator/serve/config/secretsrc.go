package config

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/readfile"
	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// maxSecret bounds a secret file: a token or HMAC key is short, and a
// large file named by mistake should not be read into memory.
const maxSecret = 64 << 10

var secretKeys = []string{"file", "env"}

// inlineKeys are the keys someone writing a secret into the file would
// use; they get a message saying where secrets come from instead.
var inlineKeys = []string{"token", "secret", "value"}

const inlineMsg = "secrets come from a file or an environment variable, never inline: write file: PATH or env: VAR"

// secretUnknown words an unknown key next to file and env.
func secretUnknown(known []string) func(string) string {
	return func(k string) string {
		for _, s := range inlineKeys {
			if k == s {
				return inlineMsg
			}
		}
		return unknownKey(known)(k)
	}
}

// mappingOnly reports a node that is not a mapping by its kind alone: in
// a secret's place, its value may be the secret itself.
func (d *decoder) mappingOnly(n *yaml.Node, path, want string) bool {
	n = yamlnode.Resolve(n)
	switch {
	case n.Kind == yaml.MappingNode:
		return true
	case n.Kind == yaml.ScalarNode && !yamlnode.IsNull(n):
		d.errorf(n.Line, path, "must be %s; %s", want, inlineMsg)
	default:
		d.errorf(n.Line, path, "must be %s, got %s", want, kind(n))
	}
	return false
}

// secret reads the secret that m's file or env key names; line and path
// locate the mapping holding them.
func (d *decoder) secret(m map[string]*yaml.Node, line int, path string) (Secret, bool) {
	file, env := m["file"], m["env"]
	switch {
	case file != nil && env != nil:
		d.errorf(line, path, "set file or env, not both")
	case file != nil:
		return d.fromFile(file, yamlnode.At(path, "file"))
	case env != nil:
		return d.fromEnv(env, yamlnode.At(path, "env"))
	default:
		d.errorf(line, path, "required: file: PATH or env: VAR")
	}
	return Secret{}, false
}

// fromFile reads a secret file, which only its owner may read. Messages
// name the file, never what is in it.
func (d *decoder) fromFile(n *yaml.Node, path string) (Secret, bool) {
	p, ok := d.filePath(n, path)
	if !ok {
		return Secret{}, false
	}
	b, msg := readSecret(p)
	if msg != "" {
		d.errorf(yamlnode.Resolve(n).Line, path, "%s", msg)
		return Secret{}, false
	}
	return Secret{b: b}, true
}

// readSecret returns the file's content without surrounding white space,
// or a problem. The mode is checked on the open file, not the name.
func readSecret(p string) ([]byte, string) {
	f, _, err := readfile.Open(p)
	if errors.Is(err, readfile.ErrNotRegular) {
		return nil, fmt.Sprintf("secret file %s is not a regular file", p)
	}
	if err != nil {
		return nil, fmt.Sprintf("cannot read secret file %s: %s", p, pathErr(err))
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, fmt.Sprintf("cannot read secret file %s: %s", p, pathErr(err))
	case !fi.Mode().IsRegular():
		return nil, fmt.Sprintf("secret file %s is not a regular file", p)
	case fi.Mode().Perm()&0o044 != 0:
		return nil, fmt.Sprintf("secret file %s is readable by group or others (mode %04o): chmod 600 %s", p, fi.Mode().Perm(), p)
	}
	b, err := readAll(f, maxSecret)
	if err != nil {
		return nil, fmt.Sprintf("cannot read secret file %s: %s", p, pathErr(err))
	}
	if b = bytes.TrimSpace(b); len(b) == 0 {
		return nil, fmt.Sprintf("secret file %s is empty", p)
	}
	return b, ""
}

// fromEnv reads a secret from an environment variable of the daemon.
func (d *decoder) fromEnv(n *yaml.Node, path string) (Secret, bool) {
	name, ok := d.Str(n, path)
	if !ok {
		return Secret{}, false
	}
	line := yamlnode.Resolve(n).Line
	v, set := os.LookupEnv(name)
	switch {
	case !envRE.MatchString(name):
		d.errorf(line, path, "must be an environment variable name such as CK8S_TOKEN, got %q", name)
	case !set:
		d.errorf(line, path, "environment variable %s is not set", name)
	case len(bytes.TrimSpace([]byte(v))) == 0:
		d.errorf(line, path, "environment variable %s is empty", name)
	default:
		return Secret{b: bytes.TrimSpace([]byte(v))}, true
	}
	return Secret{}, false
}
