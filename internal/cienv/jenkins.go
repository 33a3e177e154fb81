package cienv

import (
	"context"
	"regexp"
	"strings"
)

// jenkins reads Jenkins: multibranch pipelines (BRANCH_NAME, CHANGE_*,
// TAG_NAME), freestyle jobs with the Git plugin (GIT_BRANCH,
// GIT_LOCAL_BRANCH) and the GitHub pull request builder (ghprb*).
type jenkins struct{}

type jenkinsEnv struct {
	URL            string `env:"JENKINS_URL"`
	BuildID        string `env:"BUILD_ID"`
	BranchName     string `env:"BRANCH_NAME"`
	ChangeID       string `env:"CHANGE_ID"`
	ChangeBranch   string `env:"CHANGE_BRANCH"`
	ChangeTarget   string `env:"CHANGE_TARGET"`
	ChangeFork     string `env:"CHANGE_FORK"`
	TagName        string `env:"TAG_NAME"`
	GitBranch      string `env:"GIT_BRANCH"`
	GitLocalBranch string `env:"GIT_LOCAL_BRANCH"`
	GitCommit      string `env:"GIT_COMMIT"`
	GitURL         string `env:"GIT_URL"`
	GhprbPullID    string `env:"ghprbPullId"`
	GhprbSource    string `env:"ghprbSourceBranch"`
	GhprbTarget    string `env:"ghprbTargetBranch"`
	GhprbCommit    string `env:"ghprbActualCommit"`
	BuildNumber    string `env:"BUILD_NUMBER"`
	BuildURL       string `env:"BUILD_URL"`
	Workspace      string `env:"WORKSPACE"`
}

// jenkinsPRBranch is multibranch's BRANCH_NAME for a pull request: PR-24.
var jenkinsPRBranch = regexp.MustCompile(`^PR-([0-9]+)$`)

// Name implements provider.
func (jenkins) Name() string { return "jenkins" }

// Detect implements provider. JENKINS_URL alone is also set in shells that
// use the Jenkins CLI, so a build needs BUILD_ID too.
func (jenkins) Detect(l Lookuper) bool {
	return get(l, "JENKINS_URL") != "" && get(l, "BUILD_ID") != ""
}

// Context implements provider.
func (jenkins) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v jenkinsEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("jenkins", srcs("JENKINS_URL", "BUILD_ID"))
	c.set(FieldCommit, v.GitCommit, "GIT_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "BUILD_NUMBER")
	c.set(FieldBuildURL, v.BuildURL, "BUILD_URL")
	c.set(FieldWorkspace, v.Workspace, "WORKSPACE")
	c.set(FieldRepository, repoSlug(v.GitURL), "GIT_URL")

	c.set(FieldPullRequest, v.ChangeID, "CHANGE_ID")
	c.set(FieldPullRequest, v.GhprbPullID, "ghprbPullId")
	if m := jenkinsPRBranch.FindStringSubmatch(v.BranchName); m != nil {
		c.set(FieldPullRequest, m[1], "BRANCH_NAME")
	}
	if c.PullRequest != "" {
		c.set(FieldBranch, v.ChangeBranch, "CHANGE_BRANCH")
		c.set(FieldBranch, v.GhprbSource, "ghprbSourceBranch")
		c.set(FieldBaseBranch, v.ChangeTarget, "CHANGE_TARGET")
		c.set(FieldBaseBranch, v.GhprbTarget, "ghprbTargetBranch")
		c.set(FieldHeadCommit, v.GhprbCommit, "ghprbActualCommit")
		if v.ChangeFork != "" {
			c.setFork("CHANGE_FORK")
		}
		return c, nil
	}
	// In multibranch tag builds BRANCH_NAME is the tag name.
	if c.set(FieldTag, v.TagName, "TAG_NAME") {
		return c, nil
	}
	c.set(FieldBranch, v.BranchName, "BRANCH_NAME")
	c.set(FieldBranch, v.GitLocalBranch, "GIT_LOCAL_BRANCH")
	c.set(FieldBranch, jenkinsBranch(v.GitBranch), "GIT_BRANCH")
	return c, nil
}

// jenkinsBranch turns the Git plugin's GIT_BRANCH into a branch name. The
// plugin qualifies it with the remote: "origin/master". A remote prefix is
// removed only when the name is recognisably remote-qualified: the default
// remote "origin/", or any remote in "refs/remotes/<remote>/" or
// "remotes/<remote>/" form; "feature/x" stays "feature/x", since nothing
// says "feature" is a remote. "HEAD" and "detached" mean no branch.
func jenkinsBranch(b string) string {
	switch {
	case strings.HasPrefix(b, "refs/remotes/"):
		b = afterSegments(b, 3)
	case strings.HasPrefix(b, "remotes/"):
		b = afterSegments(b, 2)
	case strings.HasPrefix(b, "origin/"):
		b = strings.TrimPrefix(b, "origin/")
	}
	b = strings.TrimPrefix(b, refsHeads)
	if b == "HEAD" || b == "detached" {
		return ""
	}
	return b
}

// afterSegments drops the first n "/"-separated segments of s.
func afterSegments(s string, n int) string {
	parts := strings.SplitN(s, "/", n+1)
	if len(parts) <= n {
		return ""
	}
	return parts[n]
}
