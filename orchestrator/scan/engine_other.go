//go:build !linux

package scan

import "context"

// nativePass is the portable engine where there is no epoll (macOS).
func (r *run) nativePass(ctx context.Context, items []item, attempt int) (int64, error) {
	return r.portablePass(ctx, items, attempt)
}
