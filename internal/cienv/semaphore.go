package cienv

import (
	"context"
	"strings"
)

// semaphore reads Semaphore (2.0).
type semaphore struct{}

type semaphoreEnv struct {
	RefType     string `env:"SEMAPHORE_GIT_REF_TYPE"`
	Ref         string `env:"SEMAPHORE_GIT_REF"`
	Branch      string `env:"SEMAPHORE_GIT_BRANCH"`
	Tag         string `env:"SEMAPHORE_GIT_TAG_NAME"`
	SHA         string `env:"SEMAPHORE_GIT_SHA"`
	PRNumber    string `env:"SEMAPHORE_GIT_PR_NUMBER"`
	PRBranch    string `env:"SEMAPHORE_GIT_PR_BRANCH"`
	PRSHA       string `env:"SEMAPHORE_GIT_PR_SHA"`
	PRSlug      string `env:"SEMAPHORE_GIT_PR_SLUG"`
	RepoSlug    string `env:"SEMAPHORE_GIT_REPO_SLUG"`
	WorkflowID  string `env:"SEMAPHORE_WORKFLOW_ID"`
	WorkflowNum string `env:"SEMAPHORE_WORKFLOW_NUMBER"`
	OrgURL      string `env:"SEMAPHORE_ORGANIZATION_URL"`
	GitDir      string `env:"SEMAPHORE_GIT_DIR"`
	Home        string `env:"HOME"`
}

// Name implements provider.
func (semaphore) Name() string { return "semaphore" }

// Detect implements provider.
func (semaphore) Detect(l Lookuper) bool { return isTrue(get(l, "SEMAPHORE")) }

// Context implements provider. SEMAPHORE_GIT_REF_TYPE says what is built:
// branch, tag or pull-request. On a pull request SEMAPHORE_GIT_BRANCH is the
// target branch and SEMAPHORE_GIT_SHA the merge commit; the source is
// SEMAPHORE_GIT_PR_BRANCH, and SEMAPHORE_GIT_PR_SLUG names the repository it
// comes from (a fork when it is not SEMAPHORE_GIT_REPO_SLUG).
func (semaphore) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v semaphoreEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("semaphore", "SEMAPHORE")
	c.set(FieldEvent, v.RefType, "SEMAPHORE_GIT_REF_TYPE")
	c.set(FieldCommit, v.SHA, "SEMAPHORE_GIT_SHA")
	c.set(FieldRepository, v.RepoSlug, "SEMAPHORE_GIT_REPO_SLUG")
	c.set(FieldBuildNumber, v.WorkflowNum, "SEMAPHORE_WORKFLOW_NUMBER")
	if v.OrgURL != "" && v.WorkflowID != "" {
		c.set(FieldBuildURL, strings.TrimRight(v.OrgURL, "/")+"/workflows/"+v.WorkflowID,
			srcs("SEMAPHORE_ORGANIZATION_URL", "SEMAPHORE_WORKFLOW_ID"))
	}
	// SEMAPHORE_GIT_DIR is where checkout clones, relative to $HOME
	// unless absolute.
	switch {
	case strings.HasPrefix(v.GitDir, "/"):
		c.set(FieldWorkspace, v.GitDir, "SEMAPHORE_GIT_DIR")
	case v.GitDir != "" && v.Home != "":
		c.set(FieldWorkspace, strings.TrimRight(v.Home, "/")+"/"+v.GitDir, srcs("HOME", "SEMAPHORE_GIT_DIR"))
	}

	kind, name := parseRef(v.Ref)
	if v.RefType == "pull-request" || v.PRNumber != "" || kind == refPull {
		c.set(FieldPullRequest, v.PRNumber, "SEMAPHORE_GIT_PR_NUMBER")
		if kind == refPull {
			c.set(FieldPullRequest, name, "SEMAPHORE_GIT_REF")
		}
		c.set(FieldPullRequest, PullRequestUnknown, "SEMAPHORE_GIT_REF_TYPE")
		c.set(FieldBranch, v.PRBranch, "SEMAPHORE_GIT_PR_BRANCH")
		c.set(FieldBaseBranch, v.Branch, "SEMAPHORE_GIT_BRANCH")
		c.set(FieldHeadCommit, v.PRSHA, "SEMAPHORE_GIT_PR_SHA")
		if v.PRSlug != "" && v.RepoSlug != "" {
			c.forkFrom(!strings.EqualFold(v.PRSlug, v.RepoSlug), srcs("SEMAPHORE_GIT_PR_SLUG", "SEMAPHORE_GIT_REPO_SLUG"))
		}
		return c, nil
	}
	if v.RefType == "tag" || kind == refTag {
		c.tagEvent = true
		c.set(FieldTag, v.Tag, "SEMAPHORE_GIT_TAG_NAME")
		if kind == refTag {
			c.set(FieldTag, name, "SEMAPHORE_GIT_REF")
		}
		return c, nil
	}
	if c.set(FieldTag, v.Tag, "SEMAPHORE_GIT_TAG_NAME") {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "SEMAPHORE_GIT_BRANCH")
	if kind == refBranch {
		c.set(FieldBranch, name, "SEMAPHORE_GIT_REF")
	}
	return c, nil
}
