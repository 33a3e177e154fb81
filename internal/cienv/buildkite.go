package cienv

import (
	"context"
	"strings"
)

// buildkite reads Buildkite.
type buildkite struct{}

type buildkiteEnv struct {
	Branch       string `env:"BUILDKITE_BRANCH"`
	Tag          string `env:"BUILDKITE_TAG"`
	Commit       string `env:"BUILDKITE_COMMIT"`
	PullRequest  string `env:"BUILDKITE_PULL_REQUEST"`
	PRBaseBranch string `env:"BUILDKITE_PULL_REQUEST_BASE_BRANCH"`
	PRRepo       string `env:"BUILDKITE_PULL_REQUEST_REPO"`
	BuildNumber  string `env:"BUILDKITE_BUILD_NUMBER"`
	BuildURL     string `env:"BUILDKITE_BUILD_URL"`
	Repo         string `env:"BUILDKITE_REPO"`
	CheckoutPath string `env:"BUILDKITE_BUILD_CHECKOUT_PATH"`
	Source       string `env:"BUILDKITE_SOURCE"`
}

// Name implements provider.
func (buildkite) Name() string { return "buildkite" }

// Detect implements provider.
func (buildkite) Detect(l Lookuper) bool { return isTrue(get(l, "BUILDKITE")) }

// Context implements provider. BUILDKITE_PULL_REQUEST is "false" outside
// pull requests. Fork pull requests show their branch as "owner:branch"
// (git forbids ":" in branch names, so the prefix is unambiguous) and name
// the fork in BUILDKITE_PULL_REQUEST_REPO. On tag builds BUILDKITE_BRANCH is
// the tag name, so no branch is reported.
func (buildkite) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v buildkiteEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("buildkite", "BUILDKITE")
	c.set(FieldEvent, v.Source, "BUILDKITE_SOURCE")
	c.set(FieldCommit, buildkiteCommit(v.Commit), "BUILDKITE_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "BUILDKITE_BUILD_NUMBER")
	c.set(FieldBuildURL, v.BuildURL, "BUILDKITE_BUILD_URL")
	c.set(FieldRepository, repoSlug(v.Repo), "BUILDKITE_REPO")
	c.set(FieldWorkspace, v.CheckoutPath, "BUILDKITE_BUILD_CHECKOUT_PATH")

	branch, owner := v.Branch, ""
	if i := strings.IndexByte(branch, ':'); i >= 0 {
		owner, branch = branch[:i], branch[i+1:]
	}
	if isSetNotFalse(v.PullRequest) {
		c.set(FieldPullRequest, v.PullRequest, "BUILDKITE_PULL_REQUEST")
		c.set(FieldBranch, branch, "BUILDKITE_BRANCH")
		c.set(FieldBaseBranch, v.PRBaseBranch, "BUILDKITE_PULL_REQUEST_BASE_BRANCH")
		switch {
		case owner != "":
			c.setFork("BUILDKITE_BRANCH")
		case v.PRRepo != "" && v.Repo != "":
			c.forkFrom(!sameRepo(v.PRRepo, v.Repo), srcs("BUILDKITE_PULL_REQUEST_REPO", "BUILDKITE_REPO"))
		}
		return c, nil
	}
	if c.set(FieldTag, v.Tag, "BUILDKITE_TAG") {
		return c, nil
	}
	c.set(FieldBranch, branch, "BUILDKITE_BRANCH")
	return c, nil
}

// buildkiteCommit drops the placeholder "HEAD" that builds started from the
// UI or API carry until the agent resolves it.
func buildkiteCommit(s string) string {
	if s == "HEAD" {
		return ""
	}
	return s
}
