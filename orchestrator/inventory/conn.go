package inventory

import (
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// Each connection field is read from the last of its variables that is
// set (not null), which is how Ansible's ssh connection plugin resolves
// its aliases: ansible_ssh_host wins over ansible_host when both are set.
var (
	addressVars = []string{"ansible_host", "ansible_ssh_host"}
	portVars    = []string{"ansible_port", "ansible_ssh_port"}
	userVars    = []string{"ansible_user", "ansible_ssh_user"}
	keyVars     = []string{"ansible_private_key_file", "ansible_ssh_private_key_file"}
	becomeVars  = []string{"ansible_become"}
)

// connection sets h's typed connection fields from h.Vars.
func (h *Host) connection(file, dir string) error {
	fail := func(name, format string, args ...any) error {
		return errorf(file, h.Line, h.Name, "%s: %s", name, fmt.Sprintf(format, args...))
	}
	for _, names := range [][]string{addressVars, portVars, userVars, keyVars, becomeVars} {
		if v, name := lastSet(h.Vars, names); name != "" && isTemplate(v) {
			return fail(name, "Jinja templates are not supported in connection variables, got %s", describe(v))
		}
	}
	h.Address = h.Name
	if v, name := lastSet(h.Vars, addressVars); name != "" {
		s, err := scalarString(v)
		if err != nil || s == "" {
			return fail(name, "want a host name or address, got %s", describe(v))
		}
		h.Address = s
	}
	if v, name := lastSet(h.Vars, portVars); name != "" {
		p, ok := asInt(v)
		if _, isBool := v.(bool); !ok || isBool || p < 1 || p > 65535 {
			return fail(name, "want a port between 1 and 65535, got %s", describe(v))
		}
		h.Port = p
	}
	if v, name := lastSet(h.Vars, userVars); name != "" {
		s, err := scalarString(v)
		if err != nil || s == "" {
			return fail(name, "want a user name, got %s", describe(v))
		}
		h.User = s
	}
	if v, name := lastSet(h.Vars, keyVars); name != "" {
		s, err := scalarString(v)
		if err == nil {
			s, err = playbook.ExpandPath(s, dir)
		}
		if err != nil || s == "" {
			return fail(name, "want a file path, got %s", describe(v))
		}
		h.IdentityFile = s
	}
	if v, name := lastSet(h.Vars, becomeVars); name != "" {
		b, ok := boolean(v)
		if !ok {
			return fail(name, "want a boolean (true/false, yes/no, 1/0, on/off), got %s", describe(v))
		}
		h.Become = &b
	}
	return nil
}

// lastSet returns the value and name of the last of names set in vars.
func lastSet(vars map[string]any, names []string) (any, string) {
	var val any
	var found string
	for _, n := range names {
		if v, ok := vars[n]; ok && v != nil {
			val, found = v, n
		}
	}
	return val, found
}

// scalarString is Ansible's to_text on a scalar: numbers (an INI
// ansible_host=10 is an int) become their decimal form.
func scalarString(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int:
		return strconv.Itoa(v), nil
	case *big.Int:
		return v.String(), nil
	case float64:
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	}
	return "", fmt.Errorf("not a scalar")
}

// boolean is Ansible's module_utils boolean() in strict mode. Ansible's
// config layer is lenient (anything unknown is false); a misspelt
// ansible_become must not silently drop sudo, so strict it is.
func boolean(v any) (bool, bool) {
	switch v := v.(type) {
	case bool:
		return v, true
	case int:
		return v == 1, v == 0 || v == 1
	case float64:
		return v == 1, v == 0 || v == 1
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "y", "yes", "on", "1", "true", "t":
			return true, true
		case "n", "no", "off", "0", "false", "f":
			return false, true
		}
	}
	return false, false
}

func isTemplate(v any) bool {
	s, ok := v.(string)
	return ok && (strings.Contains(s, "{{") || strings.Contains(s, "{%"))
}

// ToPlaybook returns the ck8sctl playbook host for h, starting from def
// (the playbook's defaults: port, user, key, known-hosts file, sudo) and
// overriding what the inventory sets:
//
//	ansible_host                  → Address (the inventory name when unset)
//	ansible_port                  → Port
//	ansible_user                  → User
//	ansible_ssh_private_key_file  → IdentityFile (absolute: relative to the
//	                                inventory's directory, "~" expanded;
//	                                Ansible leaves it to ssh, relative to
//	                                the working directory)
//	ansible_become                → Sudo
//
// The older aliases (ansible_ssh_host, ansible_ssh_port, ansible_ssh_user,
// ansible_private_key_file) count too. Name is the inventory name, which
// the caller must still check against the playbook's naming rules (an
// Ansible name may be a dotted FQDN). Other variables, ansible_connection
// included, are left in h.Vars for the caller.
func (h *Host) ToPlaybook(def playbook.Host) playbook.Host {
	p := def
	p.Name, p.Address, p.Line = h.Name, h.Address, h.Line
	if h.Port != 0 {
		p.Port = h.Port
	}
	if h.User != "" {
		p.User = h.User
	}
	if h.IdentityFile != "" {
		p.IdentityFile = h.IdentityFile
	}
	if h.Become != nil {
		p.Sudo = *h.Become
	}
	return p
}
