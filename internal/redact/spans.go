package redact

import (
	"regexp"
	"slices"
	"strings"
)

// span is a byte range [0]..[1] of the input to mask.
type span [2]int

// find appends the spans ru masks in s (h holds s lower-cased byte for
// byte, for the triggers).
func (ru *rule) find(s string, h *hits, out []span) []span {
	if ru.needle != "" && !strings.Contains(h.lower, ru.needle) {
		return out
	}
	if len(ru.triggers) == 0 {
		return ru.findIn(s, window{0, len(s), len(s)}, out)
	}
	for _, w := range ru.windows(h.lower, h.of(ru)) {
		out = ru.findIn(s, w, out)
	}
	return out
}

// findIn appends the spans of matches in w, again up to w.limit when one
// runs into w's end.
func (ru *rule) findIn(s string, w window, out []span) []span {
	p := ru.re.get()
	ms := p.re.FindAllStringSubmatchIndex(s[w.start:w.end], -1)
	if w.end < len(s) && w.end != w.limit && len(ms) > 0 && ms[len(ms)-1][1] == w.end-w.start {
		limit := w.limit
		if limit < 0 {
			limit = lineEnd(s, w.end, len(s))
		}
		ms = p.re.FindAllStringSubmatchIndex(s[w.start:limit], -1)
	}
	for _, m := range ms {
		sp, ok := pick(m, p.groups)
		if !ok || sp[0] == sp[1] {
			continue
		}
		if v := s[w.start+sp[0] : w.start+sp[1]]; masked(v) || (ru.keep != nil && ru.keep(v)) {
			continue
		}
		out = append(out, span{sp[0] + w.start, sp[1] + w.start})
	}
	return out
}

// masked reports whether v is already a mask: Mask, or the agent's
// "*** (before)" and "*** (after)" marking a Secret entry that changed in
// a drift diff. They hold nothing, and masking them again would make the
// changed line of the diff read the same on both sides.
func masked(v string) bool {
	switch v {
	case Mask, Mask + " (before)", Mask + " (after)":
		return true
	}
	return false
}

// pick is the first value group that took part in match m, or the whole
// match when the pattern has no value groups.
func pick(m []int, groups []int) (span, bool) {
	if len(groups) == 0 {
		return span{m[0], m[1]}, true
	}
	for _, g := range groups {
		if m[2*g] >= 0 {
			return span{m[2*g], m[2*g+1]}, true
		}
	}
	return span{}, false
}

// valueGroups are the indexes of the groups named v1, v2...
func valueGroups(re *regexp.Regexp) []int {
	var gs []int
	for i, n := range re.SubexpNames() {
		if len(n) > 1 && n[0] == 'v' && n[1] >= '0' && n[1] <= '9' {
			gs = append(gs, i)
		}
	}
	return gs
}

// merge sorts spans and joins those that overlap or touch.
func merge(ss []span) []span {
	if len(ss) < 2 {
		return ss
	}
	slices.SortFunc(ss, func(a, b span) int { return a[0] - b[0] })
	out := ss[:1]
	for _, s := range ss[1:] {
		last := &out[len(out)-1]
		if s[0] <= last[1] {
			last[1] = max(last[1], s[1])
			continue
		}
		out = append(out, s)
	}
	return out
}

// apply replaces every span of s with Mask.
func apply(s string, ss []span) string {
	if len(ss) == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, sp := range merge(ss) {
		b.WriteString(s[last:sp[0]])
		b.WriteString(Mask)
		last = sp[1]
	}
	b.WriteString(s[last:])
	return b.String()
}

// lowerASCII lower-cases ASCII letters only, so byte offsets stay those of
// s (strings.ToLower may change a string's length).
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
