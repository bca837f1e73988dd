package config

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
	"github.com/ck8s/ck8sctl/orchestrator/action"
	"github.com/ck8s/ck8sctl/orchestrator/inventory"
	"github.com/ck8s/ck8sctl/orchestrator/playbook"
)

// playbooks reads the name → path mapping and loads each playbook. A
// playbook that fails to load is still a known name (so schedules naming
// it are not reported twice), with a nil value; its problems name its own
// file and line.
func (d *decoder) playbooks(n *yaml.Node, rootLine int) ([]string, map[string]*playbook.Playbook) {
	var order []string
	out := map[string]*playbook.Playbook{}
	if n == nil {
		d.errorf(rootLine, "playbooks", "required: at least one, as name: path")
		return nil, out
	}
	ps, ok := d.pairs(n, "playbooks")
	if ok && len(ps) == 0 {
		d.errorf(yamlnode.Resolve(n).Line, "playbooks", "required: at least one, as name: path")
	}
	for _, p := range ps {
		name, path := p.key.Value, yamlnode.At("playbooks", p.key.Value)
		if !nameRE.MatchString(name) {
			d.errorf(p.key.Line, path, "name "+nameFmt, name)
			continue
		}
		order = append(order, name)
		out[name] = nil
		if file, ok := d.filePath(p.val, path); ok {
			out[name] = d.loadPlaybook(file, p.val, path)
		}
	}
	return order, out
}

// loadPlaybook loads one playbook. One that cannot be read is reported at
// the line naming it; problems inside it keep their own file and line.
func (d *decoder) loadPlaybook(file string, n *yaml.Node, path string) *playbook.Playbook {
	pb, err := playbook.Load(file)
	if err == nil {
		return pb
	}
	var pe *playbook.Error
	if errors.As(err, &pe) && pe.Line == 0 && pe.Err != nil {
		d.errorf(yamlnode.Resolve(n).Line, path, "cannot read playbook %s: %s", file, pathErr(pe.Err))
		return nil
	}
	d.pbErrs = append(d.pbErrs, unjoin(err)...)
	return nil
}

func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// target is what a schedule and a webhook share: which action runs on
// which playbook's hosts.
type target struct {
	Playbook string
	Action   action.Name
	Limit    string
}

// target reads playbook, action and limit of the item at path.
func (d *decoder) target(m map[string]*yaml.Node, item *yaml.Node, path string, c *Config) target {
	var t target
	pb, known := d.playbookRef(m["playbook"], item, yamlnode.At(path, "playbook"), c)
	t.Playbook = pb
	if v := m["action"]; v == nil {
		d.errorf(yamlnode.Resolve(item).Line, yamlnode.At(path, "action"), "required")
	} else if s, ok := d.Str(v, yamlnode.At(path, "action")); ok {
		t.Action = d.action(s, yamlnode.Resolve(v).Line, yamlnode.At(path, "action"))
	}
	if v := m["limit"]; v != nil {
		if s, ok := d.Str(v, yamlnode.At(path, "limit")); ok && s != "" {
			t.Limit = s
			if p := c.Playbooks[pb]; known && p != nil {
				d.checkLimit(s, p, yamlnode.Resolve(v).Line, yamlnode.At(path, "limit"))
			}
		}
	}
	return t
}

// playbookRef reads a playbook name, which must be one of playbooks:.
func (d *decoder) playbookRef(n, item *yaml.Node, path string, c *Config) (string, bool) {
	if n == nil {
		d.errorf(yamlnode.Resolve(item).Line, path, "required")
		return "", false
	}
	s, ok := d.Str(n, path)
	if !ok {
		return "", false
	}
	if _, ok := c.Playbooks[s]; !ok {
		d.errorf(yamlnode.Resolve(n).Line, path, "unknown playbook %q%s", s, oneOf(s, c.PlaybookNames))
		return s, false
	}
	return s, true
}

func (d *decoder) action(s string, line int, path string) action.Name {
	if _, err := action.Lookup(action.Name(s)); err != nil {
		var names []string
		for _, a := range action.Names() {
			names = append(names, string(a))
		}
		d.errorf(line, path, "unknown action %q%s", s, oneOf(s, names))
		return ""
	}
	return action.Name(s)
}

// checkLimit parses an Ansible host pattern and checks that it selects
// at least one of the playbook's hosts (labels key=value are its groups).
func (d *decoder) checkLimit(s string, pb *playbook.Playbook, line int, path string) {
	p, err := inventory.ParsePattern(s)
	if err == nil {
		_, err = p.Select(inventory.PlaybookUniverse(pb.Hosts))
	}
	if err != nil {
		d.errorf(line, path, "%v", err)
	}
}

// oneOf words the choices after an unknown value: ` (a, b); did you mean "a"?`.
func oneOf(got string, known []string) string {
	msg := fmt.Sprintf(" (%s)", strings.Join(known, ", "))
	if s := playbook.Nearest(got, known); s != "" {
		msg += fmt.Sprintf("; did you mean %q?", s)
	}
	return msg
}
