package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// Error is a problem with an inventory, located like the rest of ck8sctl's
// input errors: "inv.ini:7: [web:children]: includes undefined group "db"".
// Where is the INI section or the YAML key path; it is empty for problems
// with the file as a whole. Callers map it to the exit code for bad input
// with errors.As.
type Error struct {
	File  string
	Line  int // 1-based; 0 when no line applies
	Where string
	Msg   string
	Err   error // the underlying cause, when there is one
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	if e.Where != "" {
		b.WriteString(": " + e.Where)
	}
	b.WriteString(": " + e.Msg)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// errorf builds an *Error for file at line.
func errorf(file string, line int, where, format string, args ...any) *Error {
	return &Error{File: file, Line: line, Where: where, Msg: fmt.Sprintf(format, args...)}
}
