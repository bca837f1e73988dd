package firewall

import (
	"strings"

	"github.com/pmezard/go-difflib/difflib"
)

// Diff returns the unified diff from the live owned state to the expected
// one, labelled so that a reader knows which side is the host: what
// applying the profile would change.
func Diff(live, expected, backend string) string {
	d := difflib.UnifiedDiff{
		A: lines(live), B: lines(expected),
		FromFile: "live (" + backend + ")", ToFile: "expected (profile)",
		Context: 3,
	}
	s, err := difflib.GetUnifiedDiffString(d)
	if err != nil { // only a failing writer errs, and a strings.Builder does not
		return err.Error()
	}
	return s
}

// lines splits s into newline-terminated lines, none for "".
func lines(s string) []string {
	if s == "" {
		return nil
	}
	if !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	l := strings.SplitAfter(s, "\n")
	return l[:len(l)-1] // SplitAfter leaves "" after the last newline
}
