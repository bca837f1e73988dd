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
// the ports sorted, each once. An error in an item is an *ItemError.
//
// Ranges are merged before they are expanded, so the work is bounded by the
// list's length plus 65535 however much the ranges overlap: a playbook
// loader parses lists it has not seen before ("1-65535" ten thousand
// times is one line of YAML).
func ParsePorts(s string) ([]uint16, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("port list is empty")
	}
	var ranges [][2]int
	for item := range strings.SplitSeq(s, ",") {
		item = strings.TrimSpace(item)
		lo, hi, err := portRange(item)
		if err != nil {
			return nil, &ItemError{Item: item, Err: err}
		}
		ranges = append(ranges, [2]int{lo, hi})
	}
	slices.SortFunc(ranges, func(a, b [2]int) int { return a[0] - b[0] })
	var out []uint16
	next := 0 // the lowest port not yet in out
	for _, r := range ranges {
		for p := max(r[0], next); p <= r[1]; p++ {
			out = append(out, uint16(p))
		}
		next = max(next, r[1]+1)
	}
	return out, nil
}

// ItemError is an item of a port list that is not a port or a range.
type ItemError struct {
	Item string // as written, without surrounding spaces
	Err  error
}

func (e *ItemError) Error() string { return fmt.Sprintf("port list item %q: %v", e.Item, e.Err) }
func (e *ItemError) Unwrap() error { return e.Err }

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
