//go:build !linux

package listeners

import "errors"

// diagListeners: sock_diag is Linux's; elsewhere the caller reads the
// /proc files (where there are any).
func diagListeners(string) ([]socket, error) {
	return nil, errors.New("sock_diag: Linux only")
}
