//go:build !linux

package scan

import "context"

// synEngine exists on Linux only: raw sockets elsewhere differ too much.
type synEngine struct{}

func openSYN(*Engine) (*synEngine, error) { return nil, ErrNoRaw }

func (*synEngine) close()                       {}
func (*synEngine) ignoredCount() int64          { return 0 }
func (*synEngine) sampleCounts() (int64, int64) { return 0, 0 }
func (*synEngine) register(*run, *synRun) error { return ErrNoRaw }
func (*synEngine) unregister(*run)              {}

func (*synEngine) pass(context.Context, *run, []item, int) (int64, error) { return 0, ErrNoRaw }
