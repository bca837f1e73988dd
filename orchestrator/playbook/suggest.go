package playbook

import (
	"fmt"
	"strings"
)

// suggest returns ` (did you mean "x"?)` when got is a near miss for one of
// known: a typo, other capitalisation or snake_case spelling.
func suggest(got string, known []string) string {
	if k := nearest(got, known); k != "" {
		return fmt.Sprintf(" (did you mean %q?)", k)
	}
	return ""
}

// Nearest returns the entry of known that got is a near miss for (a typo,
// other capitalisation or snake_case spelling), or "". Other files that
// validate YAML the playbook's way (serve's configuration) word their
// did-you-mean with it, so both agree on what a near miss is.
func Nearest(got string, known []string) string { return nearest(got, known) }

// nearest returns the key of known that got is a near miss for, or "".
func nearest(got string, known []string) string {
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
			return k
		}
		if d := distance(strings.ToLower(got), strings.ToLower(k)); d < bestDist {
			best, bestDist = k, d
		}
	}
	return best
}

// distance is the edit distance between a and b where swapping two
// neighbouring characters is one edit, not two (optimal string
// alignment): "tsl" for "tls" is the commonest typo of a short key.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	rows := make([][]int, len(ra)+1)
	for i := range rows {
		rows[i] = make([]int, len(rb)+1)
		rows[i][0] = i
	}
	for j := range rows[0] {
		rows[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			rows[i][j] = min(rows[i-1][j]+1, rows[i][j-1]+1, rows[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				rows[i][j] = min(rows[i][j], rows[i-2][j-2]+1)
			}
		}
	}
	return rows[len(ra)][len(rb)]
}
