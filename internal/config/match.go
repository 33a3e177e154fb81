package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/convox-ci/convox-ci/internal/cienv"
)

// ErrNoRef means the CI context names no branch, no tag and no pull
// request, so no target can be chosen.
var ErrNoRef = errors.New("the CI did not say which branch, tag or pull request this build is for")

// Match is the decision for one build: the target to run, or why none.
type Match struct {
	Target *Target  // nil when nothing matched
	Reason string   // one line saying why this target, or why none
	Also   []string // other targets that matched too but do not run (the first in file order wins)
}

// Match chooses the target for the build c describes. A tag build matches
// tags patterns; a branch build matches branches patterns; a pull request
// matches the branches patterns of targets with pull_requests: true against
// the branch it targets (c.BaseBranch); a pull request from a fork, or whose
// CI cannot tell whether it comes from one, never matches. When several targets match, the first in file order wins and
// Also names the others.
//
// Nothing matching is not an error: Target is nil and Reason says why. The
// errors are ErrNoRef (wrapped) and the chosen target's Err (an *Error: a
// ${VAR} the environment lacks), returned with the Match. A pull request
// whose target branch the CI does not report (CircleCI) matches nothing.
func (f *File) Match(c cienv.Context) (Match, error) {
	var (
		what       string // "branch master"
		name       string // what the patterns are matched against
		candidates []*Target
		tags       bool
	)
	switch {
	case c.IsPullRequest():
		if c.ForkAssumed() {
			return Match{Reason: fmt.Sprintf("pull request #%s does not deploy: %s does not say whether it comes from a fork, so it is treated as one (pull requests from forks never deploy)", c.PullRequest, c.ForkUnknownBy())}, nil
		}
		if c.Fork {
			return Match{Reason: fmt.Sprintf("pull requests from forks never deploy (pull request #%s comes from a fork)", c.PullRequest)}, nil
		}
		for i := range f.Targets {
			if f.Targets[i].PullRequests {
				candidates = append(candidates, &f.Targets[i])
			}
		}
		if len(candidates) == 0 {
			return Match{Reason: "pull request builds do not deploy: no target sets pull_requests: true"}, nil
		}
		if c.BaseBranch == "" {
			return Match{Reason: fmt.Sprintf("pull request #%s does not deploy: the CI (%s) does not say which branch it targets, so pull_requests targets cannot match it", c.PullRequest, c.Provider)}, nil
		}
		what = fmt.Sprintf("pull request #%s into branch %s", c.PullRequest, c.BaseBranch)
		name = c.BaseBranch
	case c.Tag != "":
		what, name, tags = "tag "+c.Tag, c.Tag, true
	case c.Branch != "":
		what, name = "branch "+c.Branch, c.Branch
	default:
		return Match{}, fmt.Errorf("matching a target: %w", ErrNoRef)
	}
	if candidates == nil {
		for i := range f.Targets {
			candidates = append(candidates, &f.Targets[i])
		}
	}

	var (
		chosen  *Target
		pattern string
		also    []string
	)
	for _, t := range candidates {
		patterns := t.Branches
		if tags {
			patterns = t.Tags
		}
		p, ok := matchAny(patterns, name)
		switch {
		case !ok:
		case chosen == nil:
			chosen, pattern = t, p
		default:
			also = append(also, t.Name)
		}
	}
	if chosen == nil {
		scope := "no target"
		if c.IsPullRequest() {
			scope = "no target that sets pull_requests: true"
		}
		list := make([]string, len(candidates))
		for i, t := range candidates {
			list[i] = t.describe()
		}
		return Match{Reason: fmt.Sprintf("%s matches %s (targets: %s)", what, scope, strings.Join(list, ", "))}, nil
	}
	m := Match{Target: chosen, Also: also,
		Reason: fmt.Sprintf("%s matches target %s (pattern %q)", what, chosen.Name, pattern)}
	if len(also) > 0 {
		verb := "matches"
		if len(also) > 1 {
			verb = "match"
		}
		m.Reason += fmt.Sprintf("; %s also %s, but the first target in the file wins", strings.Join(also, ", "), verb)
	}
	return m, chosen.Err()
}

// describe shows a target's name and patterns: "staging [master; tags v*]".
func (t *Target) describe() string {
	var parts []string
	if len(t.Branches) > 0 {
		parts = append(parts, strings.Join(t.Branches, ", "))
	}
	if len(t.Tags) > 0 {
		parts = append(parts, "tags "+strings.Join(t.Tags, ", "))
	}
	return t.Name + " [" + strings.Join(parts, "; ") + "]"
}
