//go:build unix && !linux

package crash

import "syscall"

// selfPath is empty: os.Executable finds the program.
const selfPath = ""

// childAttr: there is no parent-death signal outside Linux; a child whose
// supervisor was killed finishes its run alone, its exit code unseen.
func childAttr() *syscall.SysProcAttr { return nil }
