package cienv

import "context"

// bitrise reads Bitrise (bitrise.io).
type bitrise struct{}

type bitriseEnv struct {
	IO          string `env:"BITRISE_IO"`
	Branch      string `env:"BITRISE_GIT_BRANCH"`
	BranchDest  string `env:"BITRISEIO_GIT_BRANCH_DEST"`
	Tag         string `env:"BITRISE_GIT_TAG"`
	Commit      string `env:"BITRISE_GIT_COMMIT"`
	PullRequest string `env:"BITRISE_PULL_REQUEST"`
	PRRepoURL   string `env:"BITRISEIO_PULL_REQUEST_REPOSITORY_URL"`
	RepoURL     string `env:"GIT_REPOSITORY_URL"`
	BuildNumber string `env:"BITRISE_BUILD_NUMBER"`
	BuildURL    string `env:"BITRISE_BUILD_URL"`
	SourceDir   string `env:"BITRISE_SOURCE_DIR"`
}

// Name implements provider.
func (bitrise) Name() string { return "bitrise" }

// Detect implements provider.
func (bitrise) Detect(l Lookuper) bool { return isSetNotFalse(get(l, "BITRISE_IO")) }

// Context implements provider. On a pull request BITRISE_GIT_BRANCH is the
// source branch and BITRISEIO_GIT_BRANCH_DEST the target;
// BITRISEIO_PULL_REQUEST_REPOSITORY_URL is the repository the pull request
// comes from, a fork when it is not GIT_REPOSITORY_URL.
func (bitrise) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v bitriseEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("bitrise", "BITRISE_IO")
	c.set(FieldCommit, v.Commit, "BITRISE_GIT_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "BITRISE_BUILD_NUMBER")
	c.set(FieldBuildURL, v.BuildURL, "BITRISE_BUILD_URL")
	c.set(FieldWorkspace, v.SourceDir, "BITRISE_SOURCE_DIR")
	c.set(FieldRepository, repoSlug(v.RepoURL), "GIT_REPOSITORY_URL")

	if isSetNotFalse(v.PullRequest) {
		c.set(FieldPullRequest, v.PullRequest, "BITRISE_PULL_REQUEST")
		c.set(FieldBranch, v.Branch, "BITRISE_GIT_BRANCH")
		c.set(FieldBaseBranch, v.BranchDest, "BITRISEIO_GIT_BRANCH_DEST")
		if v.PRRepoURL != "" && v.RepoURL != "" {
			c.forkFrom(!sameRepo(v.PRRepoURL, v.RepoURL), srcs("BITRISEIO_PULL_REQUEST_REPOSITORY_URL", "GIT_REPOSITORY_URL"))
		}
		return c, nil
	}
	if c.set(FieldTag, v.Tag, "BITRISE_GIT_TAG") {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "BITRISE_GIT_BRANCH")
	return c, nil
}
