package config

import (
	"fmt"
	"strings"
)

// DefaultFile is the rules file's name when none is given.
const DefaultFile = "convox-ci.yml"

// Error is a mistake in the rules file, with where it is and how to fix it.
// It never holds the value of an environment variable.
type Error struct {
	File         string
	Line, Column int
	Msg          string // what is wrong
	Fix          string // what to write instead
}

// Error formats the mistake as "file:line:column: message; fix: ...".
func (e *Error) Error() string {
	s := fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Column, e.Msg)
	if e.Fix != "" {
		s += "; fix: " + e.Fix
	}
	return s
}

// suggest returns the candidate closest to word, or "" when none is close
// enough to be a likely typo.
func suggest(word string, candidates []string) string {
	best, bestDist := "", 1<<30
	lw := strings.ToLower(word)
	for _, c := range candidates {
		d := distance(lw, c)
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" || bestDist > 2 || bestDist > len(best)/2 {
		return ""
	}
	return best
}

// distance is the Levenshtein distance between a and b, in bytes.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// short truncates s for an error message (for names the user wrote, never
// for values).
func short(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
