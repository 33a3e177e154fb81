package cienv

import (
	"context"
	"strings"
)

// circleci reads CircleCI.
type circleci struct{}

type circleciEnv struct {
	Branch        string `env:"CIRCLE_BRANCH"`
	Tag           string `env:"CIRCLE_TAG"`
	SHA           string `env:"CIRCLE_SHA1"`
	PullRequest   string `env:"CIRCLE_PULL_REQUEST"`
	PRNumber      string `env:"CIRCLE_PR_NUMBER"`
	PRUsername    string `env:"CIRCLE_PR_USERNAME"`
	PRReponame    string `env:"CIRCLE_PR_REPONAME"`
	BuildNum      string `env:"CIRCLE_BUILD_NUM"`
	BuildURL      string `env:"CIRCLE_BUILD_URL"`
	Username      string `env:"CIRCLE_PROJECT_USERNAME"`
	Reponame      string `env:"CIRCLE_PROJECT_REPONAME"`
	WorkingDir    string `env:"CIRCLE_WORKING_DIRECTORY"`
	PipelineNum   string `env:"CIRCLE_PIPELINE_NUM"`
	RepositoryURL string `env:"CIRCLE_REPOSITORY_URL"`
}

// Name implements provider.
func (circleci) Name() string { return "circleci" }

// Detect implements provider.
func (circleci) Detect(l Lookuper) bool { return isTrue(get(l, "CIRCLECI")) }

// Context implements provider. CircleCI builds pushes; a build counts as a
// pull request when CIRCLE_PULL_REQUEST names one (the branch has an open
// pull request), CIRCLE_PR_NUMBER is set, or the branch is pull/N. The
// CIRCLE_PR_* variables exist only for pull requests from forks, so any of
// them marks a fork, and their absence beside CIRCLE_PULL_REQUEST marks a
// pull request from the repository itself; a pull/N branch alone says
// nothing, so Detect treats it as a fork. CircleCI does not say which branch
// a pull request targets (the orb passes pipeline values instead).
func (circleci) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v circleciEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("circleci", "CIRCLECI")
	c.set(FieldCommit, v.SHA, "CIRCLE_SHA1")
	c.set(FieldBuildNumber, v.BuildNum, "CIRCLE_BUILD_NUM")
	c.set(FieldBuildURL, v.BuildURL, "CIRCLE_BUILD_URL")
	// CIRCLE_WORKING_DIRECTORY is usually "~/project", unexpanded.
	if home := get(l, "HOME"); strings.HasPrefix(v.WorkingDir, "~/") && home != "" {
		c.set(FieldWorkspace, strings.TrimRight(home, "/")+v.WorkingDir[1:], srcs("CIRCLE_WORKING_DIRECTORY", "HOME"))
	}
	c.set(FieldWorkspace, v.WorkingDir, "CIRCLE_WORKING_DIRECTORY")
	if v.Username != "" && v.Reponame != "" {
		c.set(FieldRepository, v.Username+"/"+v.Reponame, srcs("CIRCLE_PROJECT_USERNAME", "CIRCLE_PROJECT_REPONAME"))
	}
	c.set(FieldRepository, repoSlug(v.RepositoryURL), "CIRCLE_REPOSITORY_URL")

	if isDigits(v.PRNumber) {
		c.set(FieldPullRequest, v.PRNumber, "CIRCLE_PR_NUMBER")
	}
	if n := lastSegment(v.PullRequest); isDigits(n) {
		c.set(FieldPullRequest, n, "CIRCLE_PULL_REQUEST")
	}
	// GitHub App and GitLab projects get neither variable; CircleCI builds
	// a pull request from a fork as the branch pull/N.
	if n, ok := strings.CutPrefix(v.Branch, "pull/"); ok && isDigits(n) {
		c.set(FieldPullRequest, n, "CIRCLE_BRANCH")
	}
	if c.PullRequest != "" {
		switch {
		case v.PRNumber != "":
			c.setFork("CIRCLE_PR_NUMBER")
		case v.PRUsername != "":
			c.setFork("CIRCLE_PR_USERNAME")
		case v.PRReponame != "":
			c.setFork("CIRCLE_PR_REPONAME")
		case v.PullRequest != "":
			// The CIRCLE_PR_* variables exist for every pull request from a
			// fork, so a pull request CircleCI names without them is not one.
			c.forkFrom(false, "CIRCLE_PULL_REQUEST")
		}
	}
	if c.set(FieldTag, v.Tag, "CIRCLE_TAG") && c.PullRequest == "" {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "CIRCLE_BRANCH")
	return c, nil
}
