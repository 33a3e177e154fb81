package source

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// Ignore is a parsed .dockerignore. It is not safe for concurrent use: the
// underlying matcher compiles its patterns lazily.
type Ignore struct {
	patterns []string
	pm       *patternmatcher.PatternMatcher
	// exceptionDirs holds, for each "!" pattern, its cleaned text plus a
	// trailing separator: Docker's test for "may this excluded directory
	// hold an exception?".
	exceptionDirs []string
}

// LoadIgnore reads and parses the ignore file at path; a missing file gives
// an Ignore that excludes nothing.
func LoadIgnore(path string) (*Ignore, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return NewIgnore(nil)
	}
	if err != nil {
		return nil, &Error{Op: "reading", Path: path, Err: unwrapPath(err)}
	}
	defer f.Close()
	patterns, err := ignorefile.ReadAll(f)
	if err != nil {
		return nil, &Error{Op: "reading", Path: path, Err: unwrapPath(err)}
	}
	ign, err := NewIgnore(patterns)
	if err != nil {
		return nil, &Error{Op: "parsing", Path: path, Err: err}
	}
	return ign, nil
}

// NewIgnore builds an Ignore from patterns as ignorefile.ReadAll returns them.
func NewIgnore(patterns []string) (*Ignore, error) {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		for _, p := range patterns { // name the culprit
			if _, perr := patternmatcher.New([]string{p}); perr != nil {
				return nil, fmt.Errorf("invalid pattern %q: %w", p, perr)
			}
		}
		return nil, fmt.Errorf("invalid pattern: %w", err)
	}
	ign := &Ignore{patterns: patterns, pm: pm}
	for _, p := range pm.Patterns() {
		if p.Exclusion() {
			ign.exceptionDirs = append(ign.exceptionDirs, p.String()+string(filepath.Separator))
		}
	}
	return ign, nil
}

// Patterns returns the patterns in file order, "!" exceptions included.
func (i *Ignore) Patterns() []string { return i.patterns }

// Excluded reports whether relPath (slash-separated, relative to the context
// root) is left out of the tarball. It follows the walk: a path is excluded
// when the patterns match it or a parent (Docker's MatchesUsingParentResults),
// or when an ancestor directory was excluded and pruned because no "!"
// pattern starts with that directory (see mayHoldExceptions). isDir does not
// change the answer, since Docker's patterns match names, not types; it is
// there so callers state what they ask about.
func (i *Ignore) Excluded(relPath string, isDir bool) bool {
	_ = isDir
	rel := filepath.FromSlash(strings.Trim(relPath, "/"))
	if rel == "" || rel == "." || len(i.patterns) == 0 {
		return false
	}
	parts := strings.Split(rel, string(filepath.Separator))
	var info patternmatcher.MatchInfo
	for n := range parts {
		prefix := strings.Join(parts[:n+1], string(filepath.Separator))
		skip, next, err := i.pm.MatchesUsingParentResults(prefix, info)
		if err != nil {
			return false // patterns were validated by NewIgnore
		}
		if n == len(parts)-1 {
			return skip
		}
		if skip && !i.mayHoldExceptions(prefix) {
			return true
		}
		info = next
	}
	return false
}

// match is the walk's per-entry decision, given the parent directory's result.
func (i *Ignore) match(rel string, parent patternmatcher.MatchInfo) (bool, patternmatcher.MatchInfo, error) {
	if len(i.patterns) == 0 {
		return false, parent, nil
	}
	return i.pm.MatchesUsingParentResults(rel, parent)
}

// mayHoldExceptions is Docker's rule (archive.TarWithOptions) for an excluded
// directory: it is still walked, without its own entry, when some "!"
// pattern's text starts with "<dir>/". Only the literal prefix counts, so
// "!docs/keep.md" keeps docs/ walked but "!**/keep.md" does not.
func (i *Ignore) mayHoldExceptions(relDir string) bool {
	if !i.pm.Exclusions() {
		return false
	}
	dirSlash := relDir + string(filepath.Separator)
	for _, p := range i.exceptionDirs {
		if strings.HasPrefix(p, dirSlash) {
			return true
		}
	}
	return false
}

// unwrapPath drops an *fs.PathError's absolute path so that callers can name
// the context-relative path instead.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
