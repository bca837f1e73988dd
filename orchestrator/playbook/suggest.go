package playbook

import (
	"fmt"
	"strings"
)

// suggest returns ` (did you mean "x"?)` when got is a near miss for one of
// known: a typo, other capitalisation or snake_case spelling.
func suggest(got string, known []string) string {
	norm := func(s string) string {
		return strings.ToLower(strings.NewReplacer("_", "", "-", "").Replace(s))
	}
	// Two edits for longer keys; one for short ones, where two edits turn
	// almost anything into anything.
	best, bestDist := "", 2
	if len(got) >= 5 {
		bestDist = 3
	}
	for _, k := range known {
		if norm(k) == norm(got) {
			return fmt.Sprintf(" (did you mean %q?)", k)
		}
		if d := distance(strings.ToLower(got), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein edit distance between a and b.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}
