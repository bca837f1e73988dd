//go:build !unix

package crash

import (
	"errors"
	"os"
)

// Supervise is not available on this system.
func Supervise([]string) (Outcome, error) { return Outcome{}, ErrNotStarted }

// DieLike does nothing here.
func DieLike(Outcome) {}

func childSetup(*os.File, *os.File) error { return errors.New("not supported") }
