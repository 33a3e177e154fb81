package cienv

import "context"

// codefresh reads Codefresh (classic pipelines).
type codefresh struct{}

type codefreshEnv struct {
	BuildID    string `env:"CF_BUILD_ID"`
	BuildURL   string `env:"CF_BUILD_URL"`
	Branch     string `env:"CF_BRANCH"`
	BaseBranch string `env:"CF_BASE_BRANCH"`
	Revision   string `env:"CF_REVISION"`
	PRNumber   string `env:"CF_PULL_REQUEST_NUMBER"`
	PRTarget   string `env:"CF_PULL_REQUEST_TARGET"`
	PRIsFork   string `env:"CF_PULL_REQUEST_IS_FORK"`
	PRAction   string `env:"CF_PULL_REQUEST_ACTION"`
	RepoOwner  string `env:"CF_REPO_OWNER"`
	RepoName   string `env:"CF_REPO_NAME"`
	VolumePath string `env:"CF_VOLUME_PATH"`
	ReleaseTag string `env:"CF_RELEASE_TAG"`
}

// Name implements provider.
func (codefresh) Name() string { return "codefresh" }

// Detect implements provider.
func (codefresh) Detect(l Lookuper) bool { return get(l, "CF_BUILD_ID") != "" }

// Context implements provider. CF_BRANCH is the branch, or the tag when a
// tag triggered the build: Codefresh then also sets CF_BASE_BRANCH (the
// branch the tag was created from), so CF_BRANCH is then read as a tag when
// git finds it at HEAD (or git cannot tell), else as a branch. On a pull request CF_BRANCH is the source branch,
// CF_PULL_REQUEST_TARGET the target and CF_PULL_REQUEST_IS_FORK says whether
// it comes from a fork.
func (codefresh) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v codefreshEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("codefresh", "CF_BUILD_ID")
	c.set(FieldCommit, v.Revision, "CF_REVISION")
	c.set(FieldBuildNumber, v.BuildID, "CF_BUILD_ID")
	c.set(FieldBuildURL, v.BuildURL, "CF_BUILD_URL")
	c.set(FieldEvent, v.PRAction, "CF_PULL_REQUEST_ACTION")
	if v.RepoOwner != "" && v.RepoName != "" {
		c.set(FieldRepository, v.RepoOwner+"/"+v.RepoName, srcs("CF_REPO_OWNER", "CF_REPO_NAME"))
		if v.VolumePath != "" {
			// The git-clone step's default working directory.
			c.set(FieldWorkspace, v.VolumePath+"/"+v.RepoName, srcs("CF_VOLUME_PATH", "CF_REPO_NAME"))
		}
	}

	c.set(FieldPullRequest, v.PRNumber, "CF_PULL_REQUEST_NUMBER")
	if v.PRAction != "" { // only pull request builds have an action
		c.set(FieldPullRequest, PullRequestUnknown, "CF_PULL_REQUEST_ACTION")
	}
	if c.PullRequest != "" {
		c.set(FieldBranch, v.Branch, "CF_BRANCH")
		c.set(FieldBaseBranch, v.PRTarget, "CF_PULL_REQUEST_TARGET")
		if isTrue(v.PRIsFork) || isFalse(v.PRIsFork) { // anything else answers nothing
			c.forkFrom(isTrue(v.PRIsFork), "CF_PULL_REQUEST_IS_FORK")
		}
		return c, nil
	}
	if c.set(FieldTag, v.ReleaseTag, "CF_RELEASE_TAG") {
		return c, nil
	}
	if v.BaseBranch != "" && v.Branch != "" {
		c.tagAtHead, c.tagAtHeadSrc, c.tagBranch = v.Branch, srcs("CF_BRANCH", "CF_BASE_BRANCH"), v.Branch
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "CF_BRANCH")
	return c, nil
}
