package cienv

import "context"

// bamboo reads Atlassian Bamboo, which exports its variables to scripts
// with a bamboo_ prefix and dots turned into underscores
// (bamboo.planRepository.branchName is bamboo_planRepository_branchName).
type bamboo struct{}

type bambooEnv struct {
	BuildKey    string `env:"bamboo_buildKey"`
	BranchName  string `env:"bamboo_planRepository_branchName"`
	Branch      string `env:"bamboo_planRepository_branch"`
	Revision    string `env:"bamboo_planRepository_revision"`
	RepoURL     string `env:"bamboo_planRepository_repositoryUrl"`
	PRKey       string `env:"bamboo_repository_pr_key"`
	PRSource    string `env:"bamboo_repository_pr_sourceBranch"`
	PRTarget    string `env:"bamboo_repository_pr_targetBranch"`
	BuildNumber string `env:"bamboo_buildNumber"`
	ResultsURL  string `env:"bamboo_buildResultsUrl"`
	ResultsURL2 string `env:"bamboo_resultsUrl"`
	WorkingDir  string `env:"bamboo_build_working_directory"`
}

// Name implements provider.
func (bamboo) Name() string { return "bamboo" }

// Detect implements provider.
func (bamboo) Detect(l Lookuper) bool { return get(l, "bamboo_buildKey") != "" }

// Context implements provider. A plan branch created for a pull request
// carries bamboo_repository_pr_key (the pull request number) and the
// source and target branches. Bamboo names no tag and gives no fork signal:
// tags come from git, and pull requests are treated as from forks.
func (bamboo) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v bambooEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("bamboo", "bamboo_buildKey")
	c.set(FieldCommit, v.Revision, "bamboo_planRepository_revision")
	c.set(FieldBuildNumber, v.BuildNumber, "bamboo_buildNumber")
	c.set(FieldBuildURL, v.ResultsURL, "bamboo_buildResultsUrl")
	c.set(FieldBuildURL, v.ResultsURL2, "bamboo_resultsUrl")
	c.set(FieldWorkspace, v.WorkingDir, "bamboo_build_working_directory")
	c.set(FieldRepository, repoSlug(v.RepoURL), "bamboo_planRepository_repositoryUrl")

	if c.set(FieldPullRequest, v.PRKey, "bamboo_repository_pr_key") {
		c.set(FieldBranch, v.PRSource, "bamboo_repository_pr_sourceBranch")
		c.set(FieldBaseBranch, v.PRTarget, "bamboo_repository_pr_targetBranch")
		return c, nil
	}
	c.set(FieldBranch, v.BranchName, "bamboo_planRepository_branchName")
	c.set(FieldBranch, v.Branch, "bamboo_planRepository_branch")
	return c, nil
}
