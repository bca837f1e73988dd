package redact

import (
	"slices"
	"strings"
)

// Around a trigger, a rule looks this far back (where a match may start:
// an env entry's "name", a URL's scheme) and ahead (its value); a match
// reaching the end of its window is looked for again up to the end of the
// line, so a long value is never cut.
const (
	lookBehind = 128
	lookAhead  = 256
)

// window is a part of the text to search: [start, end), which may grow to
// limit, the end of its line (-1: not looked for yet).
type window struct{ start, end, limit int }

// windows are the merged neighbourhoods of the triggers found, within their
// lines (lines-1 more after each) so that ^ and $ keep their meaning. An
// anchored rule's window starts at its line's start or is dropped.
func (ru *rule) windows(lower string, found []hit) []window {
	var ws []window
	for _, h := range found {
		i := h.at
		ls := lineStart(lower, i)
		if ru.anchored && ls < 0 {
			continue
		}
		horizon := i + h.n + lookAhead
		end, limit := lineEnd(lower, i, horizon), -1
		for n := 1; n < ru.lines && end >= 0 && end < len(lower); n++ {
			end = lineEnd(lower, end+1, horizon)
		}
		if end >= 0 {
			limit = end
		} else {
			end = min(horizon, len(lower))
		}
		ws = append(ws, window{max(ls, i-lookBehind), end, limit})
	}
	return mergeWindows(ws)
}

// hit is a trigger found in the text: at where, n its length.
type hit struct{ at, n int }

// hits are a text's trigger finds for the rules that ask, found once per
// set of triggers and kind of rule: the five rules behind keyTriggers
// share theirs.
type hits struct {
	lower string
	ascii bool
	last  *rule // the rule whose triggers and kind the finds are of
	found []hit
}

// of returns the finds of ru's triggers in the text. A word rule's
// trigger counts only in a word it can match (wordAt) where the text is
// ASCII.
func (h *hits) of(ru *rule) []hit {
	if l := h.last; l != nil && l.word == ru.word && &l.triggers[0] == &ru.triggers[0] && len(l.triggers) == len(ru.triggers) {
		return h.found
	}
	h.last, h.found = ru, h.found[:0:0]
	for _, t := range ru.triggers {
		for from := 0; from < len(h.lower); {
			i := strings.Index(h.lower[from:], t)
			if i < 0 {
				break
			}
			i += from
			from = i + len(t)
			if ru.word && h.ascii && !wordAt(h.lower, i, t) {
				continue
			}
			h.found = append(h.found, hit{i, len(t)})
		}
	}
	return h.found
}

func mergeWindows(ws []window) []window {
	if len(ws) < 2 {
		return ws
	}
	slices.SortFunc(ws, func(a, b window) int { return a.start - b.start })
	out := ws[:1]
	for _, w := range ws[1:] {
		last := &out[len(out)-1]
		if w.start <= last.end {
			if w.end > last.end {
				last.end, last.limit = w.end, w.limit
			}
			continue
		}
		out = append(out, w)
	}
	return out
}

// lineStart is the start of the line holding i, or -1 when it is more
// than lookBehind bytes back (a long line is not read back to its start
// for every trigger in it).
func lineStart(s string, i int) int {
	from := max(0, i-lookBehind-1)
	if j := strings.LastIndexByte(s[from:i], '\n'); j >= 0 {
		return from + j + 1
	}
	if from == 0 {
		return 0
	}
	return -1
}

// lineEnd is the end of the line holding from, or -1 when it is beyond
// horizon (found later, if a match runs that far: see findIn).
func lineEnd(s string, from, horizon int) int {
	if from < 0 {
		return -1
	}
	to := min(len(s), max(horizon, from))
	if j := strings.IndexByte(s[from:to], '\n'); j >= 0 {
		return from + j
	}
	if to == len(s) {
		return len(s)
	}
	return -1
}
