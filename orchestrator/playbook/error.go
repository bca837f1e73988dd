package playbook

import (
	"cmp"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Error is one problem with a playbook, located by file, line and field
// path: "staging.yaml:7: hosts[0].port: must be between 1 and 65535, got
// 70000". Load and Parse return every problem they find, joined with
// errors.Join; errors.As finds an *Error in any of them, which is how the
// CLI maps a bad playbook to exit code 2.
type Error struct {
	File string
	Line int    // 1-based; 0 when the problem is the file as a whole
	Path string // field path such as hosts[0].port; empty for syntax errors
	Msg  string
	Err  error // the underlying cause, when there is one (reading the file)
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Path != "" {
		b.WriteString(": " + e.Path)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// joinErrors orders errs by line, so that checks made after the walk (jump
// cycles, duplicate names) read in document order with the rest.
func joinErrors(errs []*Error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	slices.SortStableFunc(errs, func(a, b *Error) int { return cmp.Compare(a.Line, b.Line) })
	all := make([]error, len(errs))
	for i, e := range errs {
		all[i] = e
	}
	return errors.Join(all...)
}

// yamlLine pulls the line out of a yaml syntax error ("yaml: line 3: did
// not find expected key"), so that it can be reported like any other.
// yaml.v3 gives the line where the enclosing construct starts for some
// errors, not the offending character's, and none at all for some on the
// first line; it is the best position available.
var yamlLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

func syntaxError(file string, err error) *Error {
	msg := err.Error()
	if m := yamlLine.FindStringSubmatch(msg); m != nil {
		line, _ := strconv.Atoi(m[1])
		return &Error{File: file, Line: line, Msg: "invalid YAML: " + m[2]}
	}
	return &Error{File: file, Msg: "invalid YAML: " + strings.TrimPrefix(msg, "yaml: ")}
}

// errorf records a problem at node n's line.
func (d *decoder) errorf(line int, path, format string, args ...any) {
	d.errs = append(d.errs, &Error{File: d.file, Line: line, Path: path, Msg: fmt.Sprintf(format, args...)})
}
