package cienv

import (
	"context"
	"net/url"
	"strings"
)

// appveyor reads AppVeyor.
type appveyor struct{}

type appveyorEnv struct {
	Branch       string `env:"APPVEYOR_REPO_BRANCH"`
	Tag          string `env:"APPVEYOR_REPO_TAG"`
	TagName      string `env:"APPVEYOR_REPO_TAG_NAME"`
	Commit       string `env:"APPVEYOR_REPO_COMMIT"`
	RepoName     string `env:"APPVEYOR_REPO_NAME"`
	PRNumber     string `env:"APPVEYOR_PULL_REQUEST_NUMBER"`
	PRHeadRepo   string `env:"APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME"`
	PRHeadBranch string `env:"APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH"`
	PRHeadCommit string `env:"APPVEYOR_PULL_REQUEST_HEAD_COMMIT"`
	BuildID      string `env:"APPVEYOR_BUILD_ID"`
	BuildNumber  string `env:"APPVEYOR_BUILD_NUMBER"`
	URL          string `env:"APPVEYOR_URL"`
	Account      string `env:"APPVEYOR_ACCOUNT_NAME"`
	ProjectSlug  string `env:"APPVEYOR_PROJECT_SLUG"`
	BuildFolder  string `env:"APPVEYOR_BUILD_FOLDER"`
}

// Name implements provider.
func (appveyor) Name() string { return "appveyor" }

// Detect implements provider. AppVeyor sets APPVEYOR=True (true on Linux
// images).
func (appveyor) Detect(l Lookuper) bool { return isTrue(get(l, "APPVEYOR")) }

// Context implements provider. On a pull request APPVEYOR_REPO_BRANCH is the
// target branch; the source is APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH, and
// APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME names the repository it comes from (a
// fork when it is not APPVEYOR_REPO_NAME). APPVEYOR_REPO_TAG=true marks a
// tag build.
func (appveyor) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v appveyorEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("appveyor", "APPVEYOR")
	c.set(FieldCommit, v.Commit, "APPVEYOR_REPO_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "APPVEYOR_BUILD_NUMBER")
	c.set(FieldRepository, v.RepoName, "APPVEYOR_REPO_NAME")
	c.set(FieldWorkspace, v.BuildFolder, "APPVEYOR_BUILD_FOLDER")
	if v.Account != "" && v.ProjectSlug != "" && v.BuildID != "" {
		base, src := v.URL, srcs("APPVEYOR_URL", "APPVEYOR_ACCOUNT_NAME", "APPVEYOR_PROJECT_SLUG", "APPVEYOR_BUILD_ID")
		if base == "" {
			base, src = "https://ci.appveyor.com", srcs("APPVEYOR_ACCOUNT_NAME", "APPVEYOR_PROJECT_SLUG", "APPVEYOR_BUILD_ID")
		}
		c.set(FieldBuildURL, strings.TrimRight(base, "/")+"/project/"+url.PathEscape(v.Account)+"/"+
			url.PathEscape(v.ProjectSlug)+"/builds/"+url.PathEscape(v.BuildID), src)
	}

	if c.set(FieldPullRequest, v.PRNumber, "APPVEYOR_PULL_REQUEST_NUMBER") {
		c.set(FieldBranch, v.PRHeadBranch, "APPVEYOR_PULL_REQUEST_HEAD_REPO_BRANCH")
		c.set(FieldBaseBranch, v.Branch, "APPVEYOR_REPO_BRANCH")
		c.set(FieldHeadCommit, v.PRHeadCommit, "APPVEYOR_PULL_REQUEST_HEAD_COMMIT")
		if v.PRHeadRepo != "" && v.RepoName != "" {
			c.forkFrom(!strings.EqualFold(v.PRHeadRepo, v.RepoName), srcs("APPVEYOR_PULL_REQUEST_HEAD_REPO_NAME", "APPVEYOR_REPO_NAME"))
		}
		return c, nil
	}
	if isTrue(v.Tag) {
		c.tagEvent = true
		c.set(FieldTag, v.TagName, "APPVEYOR_REPO_TAG_NAME")
		return c, nil
	}
	if c.set(FieldTag, v.TagName, "APPVEYOR_REPO_TAG_NAME") {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "APPVEYOR_REPO_BRANCH")
	return c, nil
}
