package cienv

import (
	"context"
	"strings"
)

// cirrus reads Cirrus CI.
type cirrus struct{}

type cirrusEnv struct {
	Branch     string `env:"CIRRUS_BRANCH"`
	HeadBranch string `env:"CIRRUS_HEAD_BRANCH"`
	BaseBranch string `env:"CIRRUS_BASE_BRANCH"`
	Tag        string `env:"CIRRUS_TAG"`
	Change     string `env:"CIRRUS_CHANGE_IN_REPO"`
	PR         string `env:"CIRRUS_PR"`
	BuildID    string `env:"CIRRUS_BUILD_ID"`
	RepoName   string `env:"CIRRUS_REPO_FULL_NAME"`
	WorkingDir string `env:"CIRRUS_WORKING_DIR"`
}

// Name implements provider.
func (cirrus) Name() string { return "cirrus" }

// Detect implements provider.
func (cirrus) Detect(l Lookuper) bool { return isTrue(get(l, "CIRRUS_CI")) }

// Context implements provider. On a pull request CIRRUS_BRANCH is pull/N;
// the source is CIRRUS_HEAD_BRANCH, the target CIRRUS_BASE_BRANCH. Cirrus
// gives no fork signal.
func (cirrus) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v cirrusEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("cirrus", "CIRRUS_CI")
	c.set(FieldCommit, v.Change, "CIRRUS_CHANGE_IN_REPO")
	c.set(FieldBuildNumber, v.BuildID, "CIRRUS_BUILD_ID")
	if v.BuildID != "" {
		c.set(FieldBuildURL, "https://cirrus-ci.com/build/"+v.BuildID, "CIRRUS_BUILD_ID")
	}
	c.set(FieldRepository, v.RepoName, "CIRRUS_REPO_FULL_NAME")
	c.set(FieldWorkspace, v.WorkingDir, "CIRRUS_WORKING_DIR")

	c.set(FieldPullRequest, v.PR, "CIRRUS_PR")
	// CIRRUS_BRANCH is pull/N on a pull request, never a pushed branch.
	if n, ok := strings.CutPrefix(v.Branch, "pull/"); ok && isDigits(n) {
		c.set(FieldPullRequest, n, "CIRRUS_BRANCH")
	}
	if c.PullRequest != "" {
		c.set(FieldBranch, v.HeadBranch, "CIRRUS_HEAD_BRANCH")
		c.set(FieldBaseBranch, v.BaseBranch, "CIRRUS_BASE_BRANCH")
		return c, nil
	}
	if c.set(FieldTag, v.Tag, "CIRRUS_TAG") {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "CIRRUS_BRANCH")
	return c, nil
}
