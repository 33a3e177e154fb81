package main

import (
	"fmt"

	"github.com/convox-ci/convox-ci/internal/cienv"
)

// refFlags say what is being built instead of what the CI says, for ci and
// plan only (a global --commit would collide with `builds promote
// --commit`). Each falls back to its CONVOX_CI_* variable; the source
// recorded is the flag or the variable, so plan can name it.
type refFlags struct {
	Branch      string `help:"The branch being built, instead of what the CI says (or CONVOX_CI_BRANCH)." placeholder:"BRANCH"`
	Tag         string `help:"The tag being built, instead of what the CI says (or CONVOX_CI_TAG)." placeholder:"TAG"`
	PullRequest string `name:"pull-request" help:"The pull request being built, its number or URL, instead of what the CI says (or CONVOX_CI_PULL_REQUEST); it is treated as from a fork and never deploys." placeholder:"N"`
	Commit      string `help:"The commit being built, instead of what the CI says (or CONVOX_CI_COMMIT)." placeholder:"SHA"`
}

// overrides reads the flags, else their variables. A branch, tag or pull
// request on the command line replaces all three variables.
func (f refFlags) overrides(env lookupEnv) cienv.Overrides {
	pick := func(flag, value, variable string) cienv.Override {
		if value != "" {
			return cienv.Override{Value: value, Source: flag}
		}
		if v, ok := env(variable); ok {
			return cienv.Override{Value: v, Source: variable}
		}
		return cienv.Override{}
	}
	if f.Branch != "" || f.Tag != "" || f.PullRequest != "" {
		// The command line says what the ref is: the variables say nothing more.
		return cienv.Overrides{
			Branch:      cienv.Override{Value: f.Branch, Source: "--branch"},
			Tag:         cienv.Override{Value: f.Tag, Source: "--tag"},
			PullRequest: cienv.Override{Value: f.PullRequest, Source: "--pull-request"},
			Commit:      pick("--commit", f.Commit, "CONVOX_CI_COMMIT"),
		}
	}
	return cienv.Overrides{
		Branch:      pick("--branch", f.Branch, "CONVOX_CI_BRANCH"),
		Tag:         pick("--tag", f.Tag, "CONVOX_CI_TAG"),
		PullRequest: pick("--pull-request", f.PullRequest, "CONVOX_CI_PULL_REQUEST"),
		Commit:      pick("--commit", f.Commit, "CONVOX_CI_COMMIT"),
	}
}

// ciWarnings are what ci logs and plan prints about the detection itself:
// a CI convox-ci does not know, where pull requests and forks cannot be
// recognised, and git's reason when git failed.
func ciWarnings(c cienv.Context) []string {
	var w []string
	if c.Provider == cienv.ProviderGeneric && !c.IsPullRequest() {
		w = append(w, fmt.Sprintf("this CI is not one convox-ci knows (only %s says it is a CI): pull requests and forks cannot be recognised here, "+
			"so a pull request build is read as its branch; set CONVOX_CI_PULL_REQUEST (or --pull-request) on pull request builds (see docs/ci.md)",
			c.Sources[cienv.FieldProvider]))
	}
	if c.GitError != "" {
		w = append(w, "git could not be read: "+c.GitError)
	}
	return w
}
