package scan

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// AllPorts is every TCP port, the default of a scan.
const AllPorts = "1-65535"

// ParsePorts reads a port list such as "1-1024,8080,9000-9100" and returns
// the ports sorted, each once. Errors name the offending item.
func ParsePorts(s string) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("port list is empty")
	}
	seen := make(map[uint16]bool)
	var out []uint16
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, err := portRange(item)
		if err != nil {
			return nil, fmt.Errorf("port list item %q: %w", item, err)
		}
		for p := lo; p <= hi; p++ {
			if !seen[uint16(p)] {
				seen[uint16(p)] = true
				out = append(out, uint16(p))
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

func portRange(item string) (lo, hi int, err error) {
	a, b, isRange := strings.Cut(item, "-")
	if lo, err = port(a); err != nil {
		return 0, 0, err
	}
	if !isRange {
		return lo, lo, nil
	}
	if hi, err = port(b); err != nil {
		return 0, 0, err
	}
	if hi < lo {
		return 0, 0, fmt.Errorf("range end %d is below its start %d", hi, lo)
	}
	return lo, hi, nil
}

func port(s string) (int, error) {
	p, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || p < 1 || p > 65535 {
		return 0, fmt.Errorf("%q is not a port number 1..65535", s)
	}
	return p, nil
}

// FormatPorts writes ports compactly, ranges collapsed: "22,80,8000-8002".
func FormatPorts(ports []uint16) string {
	if len(ports) == 0 {
		return "-"
	}
	var b strings.Builder
	for i := 0; i < len(ports); {
		j := i
		for j+1 < len(ports) && ports[j+1] == ports[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(int(ports[i])))
		if j > i {
			b.WriteString("-" + strconv.Itoa(int(ports[j])))
		}
		i = j + 1
	}
	return b.String()
}
