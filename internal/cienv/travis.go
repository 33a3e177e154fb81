package cienv

import (
	"context"
	"strings"
)

// travis reads Travis CI.
type travis struct{}

type travisEnv struct {
	Branch      string `env:"TRAVIS_BRANCH"`
	PRBranch    string `env:"TRAVIS_PULL_REQUEST_BRANCH"`
	Tag         string `env:"TRAVIS_TAG"`
	Commit      string `env:"TRAVIS_COMMIT"`
	PRSHA       string `env:"TRAVIS_PULL_REQUEST_SHA"`
	PullRequest string `env:"TRAVIS_PULL_REQUEST"`
	PRSlug      string `env:"TRAVIS_PULL_REQUEST_SLUG"`
	RepoSlug    string `env:"TRAVIS_REPO_SLUG"`
	BuildNumber string `env:"TRAVIS_BUILD_NUMBER"`
	BuildWebURL string `env:"TRAVIS_BUILD_WEB_URL"`
	BuildDir    string `env:"TRAVIS_BUILD_DIR"`
	EventType   string `env:"TRAVIS_EVENT_TYPE"`
}

// Name implements provider.
func (travis) Name() string { return "travis" }

// Detect implements provider.
func (travis) Detect(l Lookuper) bool { return isTrue(get(l, "TRAVIS")) }

// Context implements provider. On pull requests TRAVIS_BRANCH is the target
// branch, the source is TRAVIS_PULL_REQUEST_BRANCH; on tag builds
// TRAVIS_BRANCH is the tag name, so no branch is reported.
func (travis) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v travisEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("travis", "TRAVIS")
	c.set(FieldEvent, v.EventType, "TRAVIS_EVENT_TYPE")
	c.set(FieldCommit, v.Commit, "TRAVIS_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "TRAVIS_BUILD_NUMBER")
	c.set(FieldBuildURL, v.BuildWebURL, "TRAVIS_BUILD_WEB_URL")
	c.set(FieldRepository, v.RepoSlug, "TRAVIS_REPO_SLUG")
	c.set(FieldWorkspace, v.BuildDir, "TRAVIS_BUILD_DIR")

	if isSetNotFalse(v.PullRequest) {
		c.set(FieldPullRequest, v.PullRequest, "TRAVIS_PULL_REQUEST")
		c.set(FieldBranch, v.PRBranch, "TRAVIS_PULL_REQUEST_BRANCH")
		c.set(FieldBaseBranch, v.Branch, "TRAVIS_BRANCH")
		c.set(FieldHeadCommit, v.PRSHA, "TRAVIS_PULL_REQUEST_SHA")
		if v.PRSlug != "" && v.RepoSlug != "" {
			c.forkFrom(!strings.EqualFold(v.PRSlug, v.RepoSlug), srcs("TRAVIS_PULL_REQUEST_SLUG", "TRAVIS_REPO_SLUG"))
		}
		return c, nil
	}
	if c.set(FieldTag, v.Tag, "TRAVIS_TAG") {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "TRAVIS_BRANCH")
	return c, nil
}
