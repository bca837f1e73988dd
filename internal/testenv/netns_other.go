//go:build !linux

package testenv

import (
	"errors"
	"runtime"
)

// InNetNS fails off Linux: there are no network namespaces, and the lab
// tests that call it skip before (they need root and the lab's programs).
func InNetNS(netns string, open func() error) error {
	return errors.New("network namespaces need Linux; this is " + runtime.GOOS)
}
