package config

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ck8s/ck8sctl/internal/yamlnode"
)

var units = []struct {
	suffix string
	factor int64
}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"B", 1}}

// size reads a byte count: an integer, or a number with a KiB or MiB
// suffix ("512KiB", "1MiB"), in [1, MaxMaxBody]. Decimal units (KB, MB)
// are refused rather than guessed at.
func (d *decoder) size(n *yaml.Node, path string, def int64) int64 {
	s, ok := d.Str(n, path)
	if !ok {
		return def
	}
	v, ok := parseSize(s)
	switch {
	case !ok:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be a size in bytes, or with a KiB or MiB suffix such as 1MiB, got %q", s)
		return def
	case v < 1 || v > MaxMaxBody:
		d.errorf(yamlnode.Resolve(n).Line, path, "must be between 1 and 64MiB, got %q", s)
		return def
	}
	return v
}

func parseSize(s string) (int64, bool) {
	factor := int64(1)
	for _, u := range units {
		if num, ok := strings.CutSuffix(s, u.suffix); ok {
			s, factor = num, u.factor
			break
		}
	}
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || v < 0 || v > MaxMaxBody {
		return v, err == nil // out of range: reported by the caller
	}
	return v * factor, true
}
