//go:build !linux

package scan

import "context"

// connEngine is the portable engine where there is no epoll (macOS).
type connEngine struct {
	q queue
}

func newConnEngine(*Engine) *connEngine { return &connEngine{} }

func (c *connEngine) pass(ctx context.Context, r *run, items []item, attempt int) (int64, error) {
	return r.portablePass(ctx, items, attempt)
}
