package cienv

import (
	"context"
	"strings"
)

// gitlab reads GitLab CI.
type gitlab struct{}

type gitlabEnv struct {
	CommitBranch    string `env:"CI_COMMIT_BRANCH"`
	CommitRefName   string `env:"CI_COMMIT_REF_NAME"`
	CommitTag       string `env:"CI_COMMIT_TAG"`
	CommitSHA       string `env:"CI_COMMIT_SHA"`
	MRIID           string `env:"CI_MERGE_REQUEST_IID"`
	MRID            string `env:"CI_MERGE_REQUEST_ID"`
	MRSource        string `env:"CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"`
	MRTarget        string `env:"CI_MERGE_REQUEST_TARGET_BRANCH_NAME"`
	MRSourceSHA     string `env:"CI_MERGE_REQUEST_SOURCE_BRANCH_SHA"`
	MRSourceProject string `env:"CI_MERGE_REQUEST_SOURCE_PROJECT_ID"`
	MRProject       string `env:"CI_MERGE_REQUEST_PROJECT_ID"`
	ProjectID       string `env:"CI_PROJECT_ID"`
	ExtPRIID        string `env:"CI_EXTERNAL_PULL_REQUEST_IID"`
	ExtPRSource     string `env:"CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME"`
	ExtPRTarget     string `env:"CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME"`
	ExtPRSourceSHA  string `env:"CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA"`
	ExtPRSourceRepo string `env:"CI_EXTERNAL_PULL_REQUEST_SOURCE_REPOSITORY"`
	ExtPRTargetRepo string `env:"CI_EXTERNAL_PULL_REQUEST_TARGET_REPOSITORY"`
	PipelineID      string `env:"CI_PIPELINE_ID"`
	PipelineURL     string `env:"CI_PIPELINE_URL"`
	PipelineSource  string `env:"CI_PIPELINE_SOURCE"`
	ProjectURL      string `env:"CI_PROJECT_URL"`
	ProjectPath     string `env:"CI_PROJECT_PATH"`
	ProjectDir      string `env:"CI_PROJECT_DIR"`
}

// Name implements provider.
func (gitlab) Name() string { return "gitlab" }

// Detect implements provider.
func (gitlab) Detect(l Lookuper) bool { return get(l, "GITLAB_CI") != "" }

// Context implements provider. CI_COMMIT_BRANCH is empty in tag and merge
// request pipelines; CI_COMMIT_REF_NAME is the tag in tag pipelines, and once
// held refs/merge-requests/N/head in merge request pipelines. The merge
// request number is its IID (the !N users see). A merge request is from a
// fork when its source project is not the target project.
func (gitlab) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v gitlabEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("gitlab", "GITLAB_CI")
	c.set(FieldEvent, v.PipelineSource, "CI_PIPELINE_SOURCE")
	c.set(FieldCommit, v.CommitSHA, "CI_COMMIT_SHA")
	c.set(FieldBuildNumber, v.PipelineID, "CI_PIPELINE_ID")
	c.set(FieldRepository, v.ProjectPath, "CI_PROJECT_PATH")
	c.set(FieldWorkspace, v.ProjectDir, "CI_PROJECT_DIR")
	c.set(FieldBuildURL, v.PipelineURL, "CI_PIPELINE_URL")
	if v.ProjectURL != "" && v.PipelineID != "" {
		c.set(FieldBuildURL, strings.TrimRight(v.ProjectURL, "/")+"/-/pipelines/"+v.PipelineID, srcs("CI_PROJECT_URL", "CI_PIPELINE_ID"))
	}

	c.set(FieldPullRequest, v.MRIID, "CI_MERGE_REQUEST_IID")
	c.set(FieldPullRequest, v.MRID, "CI_MERGE_REQUEST_ID")
	if c.PullRequest != "" {
		c.set(FieldBranch, v.MRSource, "CI_MERGE_REQUEST_SOURCE_BRANCH_NAME")
		c.set(FieldBaseBranch, v.MRTarget, "CI_MERGE_REQUEST_TARGET_BRANCH_NAME")
		c.set(FieldHeadCommit, v.MRSourceSHA, "CI_MERGE_REQUEST_SOURCE_BRANCH_SHA")
		target, targetSrc := v.MRProject, "CI_MERGE_REQUEST_PROJECT_ID"
		if target == "" {
			target, targetSrc = v.ProjectID, "CI_PROJECT_ID"
		}
		if v.MRSourceProject != "" && target != "" {
			c.forkFrom(v.MRSourceProject != target, srcs("CI_MERGE_REQUEST_SOURCE_PROJECT_ID", targetSrc))
		}
		return c, nil
	}
	if c.set(FieldPullRequest, v.ExtPRIID, "CI_EXTERNAL_PULL_REQUEST_IID") {
		c.set(FieldBranch, v.ExtPRSource, "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_NAME")
		c.set(FieldBaseBranch, v.ExtPRTarget, "CI_EXTERNAL_PULL_REQUEST_TARGET_BRANCH_NAME")
		c.set(FieldHeadCommit, v.ExtPRSourceSHA, "CI_EXTERNAL_PULL_REQUEST_SOURCE_BRANCH_SHA")
		if v.ExtPRSourceRepo != "" && v.ExtPRTargetRepo != "" {
			c.forkFrom(!strings.EqualFold(v.ExtPRSourceRepo, v.ExtPRTargetRepo),
				srcs("CI_EXTERNAL_PULL_REQUEST_SOURCE_REPOSITORY", "CI_EXTERNAL_PULL_REQUEST_TARGET_REPOSITORY"))
		}
		return c, nil
	}
	if kind, n := parseRef(v.CommitRefName); kind == refPull {
		c.set(FieldPullRequest, n, "CI_COMMIT_REF_NAME")
		return c, nil
	}
	if c.set(FieldTag, v.CommitTag, "CI_COMMIT_TAG") {
		return c, nil
	}
	c.set(FieldBranch, v.CommitBranch, "CI_COMMIT_BRANCH")
	if kind, name := parseRef(v.CommitRefName); kind == refName || kind == refBranch {
		c.set(FieldBranch, name, "CI_COMMIT_REF_NAME")
	}
	return c, nil
}
