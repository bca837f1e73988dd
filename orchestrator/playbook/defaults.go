package playbook

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

// Built-in defaults, for keys that neither a host nor the defaults block sets.
const (
	DefaultPort = 22
	DefaultUser = "root"
)

// hostDefaults is the playbook's defaults block: SSH settings for every host
// that omits them (and for outside jump hosts).
type hostDefaults struct {
	Port           int
	User           string
	IdentityFile   string
	KnownHostsFile string
	Sudo           bool
}

var defaultKeys = []string{"user", "port", "identityFile", "knownHostsFile", "sudo"}

func (d *decoder) defaults(n *yaml.Node) hostDefaults {
	def := hostDefaults{Port: DefaultPort, User: DefaultUser}
	if m, ok := d.mapping(n, "defaults", defaultKeys...); ok {
		d.sshFields(m, "defaults", &def.Port, &def.User, &def.IdentityFile, &def.KnownHostsFile, &def.Sudo)
	}
	return def
}

// sshFields reads the keys hosts and the defaults block share, leaving a
// target untouched when its key is absent or invalid.
func (d *decoder) sshFields(m map[string]*yaml.Node, path string, port *int, user, identity, knownHosts *string, sudo *bool) {
	if v := m["port"]; v != nil {
		if p, ok := d.port(v, yamlnode.At(path, "port")); ok {
			*port = p
		}
	}
	if v := m["user"]; v != nil {
		if s, ok := d.Str(v, yamlnode.At(path, "user")); ok {
			*user = s
			if p := userProblem(s); p != "" {
				d.errorf(yamlnode.Resolve(v).Line, yamlnode.At(path, "user"), "%s", p)
			}
		}
	}
	d.filePath(m["identityFile"], yamlnode.At(path, "identityFile"), identity)
	d.filePath(m["knownHostsFile"], yamlnode.At(path, "knownHostsFile"), knownHosts)
	if v := m["sudo"]; v != nil {
		if b, ok := d.Bool(v, yamlnode.At(path, "sudo")); ok {
			*sudo = b
		}
	}
}

func (d *decoder) port(n *yaml.Node, path string) (int, bool) {
	p, ok := d.Int(n, path)
	if ok && (p < 1 || p > 65535) {
		d.errorf(yamlnode.Resolve(n).Line, path, "must be between 1 and 65535, got %d", p)
		return 0, false
	}
	return p, ok
}

func userProblem(s string) string {
	if s == "" || strings.ContainsAny(s, " \t\r\n@:/") {
		return fmt.Sprintf("must be a user name without spaces, '@', ':' or '/', got %q", s)
	}
	return ""
}

// filePath reads a path into *dst, expanded (see expandPath).
func (d *decoder) filePath(n *yaml.Node, path string, dst *string) {
	if n == nil {
		return
	}
	s, ok := d.Str(n, path)
	if !ok {
		return
	}
	p, err := ExpandPath(s, d.dir)
	if err != nil {
		d.errorf(yamlnode.Resolve(n).Line, path, "%v", err)
		return
	}
	*dst = p
}
