package inventory

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The INI dialect is Ansible's plugins/inventory/ini.py, ported line by
// line where behaviour depends on it: lines before any section are hosts
// of "ungrouped"; [g] lists hosts, [g:children] groups, [g:vars]
// variables; a child group or a vars section may come before the group's
// own section, but a group that never gets one is an error.
var (
	sectionRe   = regexp.MustCompile(`^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$`)
	groupNameRe = regexp.MustCompile(`^([^:\]\s]+)\s*(?:#.*)?$`)
)

// pendingDecl is a group used before its own section: as a child
// (parents then lists who wants it) or by a [g:vars] section.
type pendingDecl struct {
	line    int
	state   string
	parents []pendingParent
}

// pendingParent is a [parent:children] section that lists a group before
// it is defined, and the line where it does.
type pendingParent struct {
	name string
	line int
}

type iniParser struct {
	*builder
	line    int
	section string // as written, for messages: "[web:children]"
	pending map[string]*pendingDecl
	order   []string // pending names in order of first use
}

func parseINI(file string, data []byte) (*builder, error) {
	p := &iniParser{builder: newBuilder(file), pending: map[string]*pendingDecl{}}
	group, state := "ungrouped", "hosts"
	for i, line := range pySplitLines(strings.TrimPrefix(string(data), "\ufeff")) {
		p.line = i + 1
		line = strings.TrimFunc(line, pyIsSpace)
		if line == "" || line[0] == '#' || line[0] == ';' {
			continue
		}
		if !utf8.ValidString(line) {
			return nil, p.fail("not valid UTF-8")
		}
		var err error
		if m := sectionRe.FindStringSubmatch(line); m != nil {
			group, state, err = p.sectionHeader(line, m)
		} else if line[0] == '[' && line[len(line)-1] == ']' {
			err = fmt.Errorf("invalid section %s: no spaces, and only [group], [group:children] or [group:vars]", line)
		} else {
			err = p.entry(group, state, line)
		}
		if err != nil {
			return nil, p.fail("%v", err)
		}
	}
	return p.builder, p.undeclared()
}

func (p *iniParser) fail(format string, args ...any) *Error {
	return errorf(p.file, p.line, p.section, format, args...)
}

// sectionHeader starts a section, resolving uses of the group that
// waited for it.
func (p *iniParser) sectionHeader(line string, m []string) (group, state string, err error) {
	group, state = m[1], m[2]
	p.section = "[" + group + map[bool]string{true: ":" + state}[state != ""] + "]"
	if state == "" {
		state = "hosts"
	}
	if state != "hosts" && state != "children" && state != "vars" {
		return "", "", fmt.Errorf("unknown section type %q: want [%s], [%s:children] or [%s:vars]", state, m[1], m[1], m[1])
	}
	if _, ok := p.groups[group]; !ok {
		// [g:vars] alone does not define g; remember to check for it.
		if _, waiting := p.pending[group]; state == "vars" && !waiting {
			p.wait(group, state, "")
		}
		p.group(group, p.line)
	}
	if d, ok := p.pending[group]; ok && state != "vars" {
		if d.state == "children" {
			for _, parent := range d.parents {
				if err := p.child(p.groups[parent.name], p.groups[group], parent.line, "["+parent.name+":children]"); err != nil {
					return "", "", err
				}
			}
		}
		delete(p.pending, group)
	}
	return group, state, nil
}

func (p *iniParser) wait(name, state, parent string) {
	d, ok := p.pending[name]
	if !ok {
		d = &pendingDecl{line: p.line, state: state}
		p.pending[name] = d
		p.order = append(p.order, name)
	}
	if parent != "" {
		d.parents = append(d.parents, pendingParent{parent, p.line})
	}
}

// entry handles a line inside a section.
func (p *iniParser) entry(group, state, line string) error {
	switch state {
	case "vars":
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return fmt.Errorf("want key=value, got %q", line)
		}
		val, err := pyValue(strings.TrimFunc(v, pyIsSpace))
		if err != nil {
			return err
		}
		return p.groupVar(p.groups[group], strings.TrimFunc(k, pyIsSpace), val)
	case "children":
		m := groupNameRe.FindStringSubmatch(line)
		if m == nil {
			return fmt.Errorf("want a group name, got %q", line)
		}
		if c, ok := p.groups[m[1]]; ok {
			return p.child(p.groups[group], c, p.line, p.section)
		}
		p.wait(m[1], "children", group)
		return nil
	}
	return p.hostLine(group, line)
}

// hostLine handles "web[01:03]:2222 ansible_user=deploy x='1 2'".
func (p *iniParser) hostLine(group, line string) error {
	toks, err := shlexSplit(line)
	if err != nil {
		return fmt.Errorf("host line %q: %v", line, err)
	}
	if len(toks) == 0 {
		return fmt.Errorf("host line %q: no host", line)
	}
	names, port, err := hostPattern(toks[0], maxHosts)
	if err != nil {
		return err
	}
	if strings.HasSuffix(strings.TrimSpace(toks[0]), ":") && port == "" {
		return fmt.Errorf("host %q: a trailing ':' must be followed by a port", toks[0])
	}
	type kv struct {
		k string
		v any
	}
	var vars []kv
	for _, t := range toks[1:] {
		k, v, ok := strings.Cut(t, "=")
		if !ok {
			return fmt.Errorf("want key=value after the host name, got %q", t)
		}
		val, err := pyValue(v)
		if err != nil {
			return err
		}
		vars = append(vars, kv{k, val})
	}
	for _, n := range names {
		if strings.TrimSpace(n) == "---" {
			return fmt.Errorf("host %q: '---' is a YAML document start; is this file YAML?", n)
		}
		h, err := p.host(n, p.groups[group], port, p.line)
		if err != nil {
			return err
		}
		for _, e := range vars {
			h.own[e.k] = e.v
		}
	}
	return nil
}

// undeclared reports the first group used but never given its own
// section, as ansible-inventory does (it then drops the whole file).
func (p *iniParser) undeclared() error {
	for _, name := range p.order {
		d, ok := p.pending[name]
		if !ok {
			continue
		}
		if d.state == "vars" {
			return errorf(p.file, d.line, "["+name+":vars]", "group %q is never defined: add a [%s] or [%s:children] section", name, name, name)
		}
		parent := d.parents[len(d.parents)-1].name
		return errorf(p.file, d.line, "["+parent+":children]", "includes undefined group %q: add a [%s] section, even an empty one", name, name)
	}
	return nil
}

// pySplitLines is Python's str.splitlines, which numbers the lines in
// Ansible's messages: \r\n, \r, \v, \f, \x1c-\x1e, \x85, U+2028 and U+2029
// end lines too.
func pySplitLines(s string) []string {
	var lines []string
	start := 0
	for i, r := range s {
		if r == '\n' && i > 0 && s[i-1] == '\r' {
			start = i + 1
			continue
		}
		switch r {
		case '\n', '\r', '\v', '\f', 0x1c, 0x1d, 0x1e, 0x85, 0x2028, 0x2029:
			lines = append(lines, s[start:i])
			start = i + utf8.RuneLen(r)
		}
	}
	if start < len(s) {
		lines = append(lines, s[start:])
	}
	return lines
}

// pyIsSpace is Python's str.isspace, what str.strip removes.
func pyIsSpace(r rune) bool {
	return unicode.IsSpace(r) || r >= 0x1c && r <= 0x1f
}
