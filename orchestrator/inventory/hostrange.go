package inventory

import (
	"fmt"
	"strconv"
	"strings"
)

// asciiLetters is Python's string.ascii_letters: alphabetic ranges run
// through it, so [x:B] is x y z A B, as in Ansible.
const asciiLetters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// hostPattern splits an inventory host entry such as "web[01:03]:2222"
// into host names and a port ("" when none). An entry that is not a valid
// address is kept whole, ranges still expanded, as Ansible does. limit
// bounds the names one entry may expand to.
func hostPattern(entry string, limit int) (names []string, port string, err error) {
	host, port, err := parseAddress(entry)
	if err != nil {
		host, port = entry, ""
	}
	if !strings.Contains(host, "[") {
		return []string{host}, port, nil
	}
	names, err = expandRange(host, nil, limit)
	return names, port, err
}

// expandRange expands the first [begin:end(:step)] of line, then the
// ranges left in each result, appending to out. It follows Ansible's
// expand_hostname_range, including zero padding ("[01:10]" gives 01 … 10),
// except that an empty range ("[3:1]") is an error instead of no hosts.
func expandRange(line string, out []string, limit int) ([]string, error) {
	s := strings.Replace(strings.Replace(line, "[", "|", 1), "]", "|", 1)
	parts := strings.Split(s, "|")
	if len(parts) != 3 {
		return nil, fmt.Errorf("host range in %q: want one [begin:end] or [begin:end:step]", line)
	}
	head, spec, tail := parts[0], parts[1], parts[2]
	seq, err := rangeSeq(spec)
	if err != nil {
		return nil, fmt.Errorf("host range [%s] in %q: %w", spec, line, err)
	}
	for _, v := range seq {
		name := head + v + tail
		if !strings.Contains(name, "[") {
			if len(out) >= limit {
				return nil, fmt.Errorf("host range in %q: more than %d hosts", line, limit)
			}
			out = append(out, name)
			continue
		}
		if out, err = expandRange(name, out, limit); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// rangeSeq returns the values of a range spec ("01:10", "a:f", "1:9:2").
func rangeSeq(spec string) ([]string, error) {
	bounds := strings.Split(spec, ":")
	if len(bounds) != 2 && len(bounds) != 3 {
		return nil, fmt.Errorf("must be begin:end or begin:end:step")
	}
	beg, end, step := bounds[0], bounds[1], "1"
	if len(bounds) == 3 {
		step = bounds[2]
	}
	if beg == "" {
		beg = "0"
	}
	if end == "" {
		return nil, fmt.Errorf("no end value")
	}
	width := 0
	if beg[0] == '0' && len(beg) > 1 {
		if width = len(beg); len(end) != width {
			return nil, fmt.Errorf("begin and end must have the same width when zero-padded")
		}
	}
	st, err := pyInt(step)
	if err != nil || st == 0 {
		return nil, fmt.Errorf("step %q: must be a non-zero integer", step)
	}
	seq, err := alphaSeq(beg, end, st)
	if seq == nil && err == nil {
		seq, err = numSeq(beg, end, st, width)
	}
	if err == nil && len(seq) == 0 {
		err = fmt.Errorf("empty range")
	}
	return seq, err
}

// alphaSeq is the letter range, or nil when beg or end is not in
// asciiLetters (Python's str.index, so multi-letter bounds that happen to
// be substrings count too).
func alphaSeq(beg, end string, step int64) ([]string, error) {
	ib, ie := strings.Index(asciiLetters, beg), strings.Index(asciiLetters, end)
	if ib < 0 || ie < 0 {
		return nil, nil
	}
	if ib > ie {
		return nil, fmt.Errorf("begin must not come after end")
	}
	var seq []string
	for i := int64(ib); step > 0 && i <= int64(ie); i += step {
		seq = append(seq, asciiLetters[i:i+1])
	}
	return seq, nil
}

// numSeq is Python's range(beg, end+1, step), each value zero-padded to
// width as str.zfill does.
func numSeq(beg, end string, step int64, width int) ([]string, error) {
	b, err1 := pyInt(beg)
	e, err2 := pyInt(end)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("begin and end must both be numbers or both letters")
	}
	// Bounded so that the arithmetic below cannot overflow.
	const limit = 1 << 60
	if b < -limit || b > limit || e < -limit || e > limit || step < -limit || step > limit {
		return nil, fmt.Errorf("bounds too large")
	}
	e++
	if n := (e - b) / step; n > maxHosts {
		return nil, fmt.Errorf("more than %d values", maxHosts)
	}
	seq := []string{}
	for v := b; (step > 0 && v < e) || (step < 0 && v > e); v += step {
		seq = append(seq, zfill(strconv.FormatInt(v, 10), width))
	}
	return seq, nil
}

// zfill is Python's str.zfill: pad with zeros after any sign.
func zfill(s string, width int) string {
	if len(s) >= width {
		return s
	}
	sign := ""
	if s[0] == '-' || s[0] == '+' {
		sign, s = s[:1], s[1:]
	}
	return sign + strings.Repeat("0", width-len(sign)-len(s)) + s
}

// pyInt parses an integer as Python's int() does for the strings ranges
// can hold: surrounding spaces, a sign, underscores between digits.
func pyInt(s string) (int64, error) {
	s = strings.TrimSpace(s)
	digits := strings.TrimLeft(s, "+-")
	if len(s)-len(digits) > 1 || digits == "" || digits[0] == '_' || digits[len(digits)-1] == '_' ||
		strings.Contains(digits, "__") {
		return 0, strconv.ErrSyntax
	}
	return strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
}
