//go:build !linux

package lab

// netnsExists: there are no network namespaces off Linux, and
// checkPrerequisites refuses before this matters.
func netnsExists(string) bool { return false }
