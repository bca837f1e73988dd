package scan

import "slices"

// DefaultExpect is what a hardened staging host exposes: SSH, HTTP, HTTPS.
const DefaultExpect = "22,80,443"

// Verdict compares a target's open ports with the expected ones.
type Verdict struct {
	Unexpected []uint16 `json:"unexpectedOpen"` // open but not expected: an exposure
	Missing    []uint16 `json:"expectedClosed"` // expected but not open: a broken service
}

// Judge compares open with expected (both sorted).
func Judge(open, expected []uint16) Verdict {
	v := Verdict{Unexpected: []uint16{}, Missing: []uint16{}}
	for _, p := range open {
		if _, ok := slices.BinarySearch(expected, p); !ok {
			v.Unexpected = append(v.Unexpected, p)
		}
	}
	for _, p := range expected {
		if _, ok := slices.BinarySearch(open, p); !ok {
			v.Missing = append(v.Missing, p)
		}
	}
	return v
}

// Compliant reports whether exactly the expected ports are open.
func (v Verdict) Compliant() bool { return len(v.Unexpected) == 0 && len(v.Missing) == 0 }
