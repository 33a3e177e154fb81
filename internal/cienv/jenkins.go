package cienv

import (
	"context"
	"regexp"
	"strings"
)

// jenkins reads Jenkins: multibranch pipelines (BRANCH_NAME, CHANGE_*,
// TAG_NAME), freestyle jobs with the Git plugin (GIT_BRANCH,
// GIT_LOCAL_BRANCH), the GitHub pull request builder (ghprb*), the
// GitLab plugin (gitlab*) and the Bitbucket Push and Pull Request plugin
// (BITBUCKET_*).
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
	GhprbAuthorURL string `env:"ghprbAuthorRepoGitUrl"`
	GhprbRepo      string `env:"ghprbGhRepository"`
	GitlabAction   string `env:"gitlabActionType"`
	GitlabMRIID    string `env:"gitlabMergeRequestIid"`
	GitlabMRID     string `env:"gitlabMergeRequestId"`
	GitlabSource   string `env:"gitlabSourceBranch"`
	GitlabTarget   string `env:"gitlabTargetBranch"`
	GitlabBranch   string `env:"gitlabBranch"`
	GitlabSrcHome  string `env:"gitlabSourceRepoHomepage"`
	GitlabDstHome  string `env:"gitlabTargetRepoHomepage"`
	GitlabSrcURL   string `env:"gitlabSourceRepoURL"`
	GitlabDstURL   string `env:"gitlabTargetRepoURL"`
	GitlabSrcNS    string `env:"gitlabSourceNamespace"`
	GitlabDstNS    string `env:"gitlabTargetNamespace"`
	GitlabSrcName  string `env:"gitlabSourceRepoName"`
	GitlabDstName  string `env:"gitlabTargetRepoName"`
	GitlabMRCommit string `env:"gitlabMergeRequestLastCommit"`
	BitbucketPRID  string `env:"BITBUCKET_PULL_REQUEST_ID"`
	BitbucketSrc   string `env:"BITBUCKET_SOURCE_BRANCH"`
	BitbucketDst   string `env:"BITBUCKET_TARGET_BRANCH"`
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

	if c.set(FieldPullRequest, v.ChangeID, "CHANGE_ID") {
		// Branch source plugins set CHANGE_FORK for change requests from
		// forks only.
		c.forkFrom(v.ChangeFork != "", "CHANGE_FORK")
	}
	if c.set(FieldPullRequest, v.GhprbPullID, "ghprbPullId") && v.GhprbAuthorURL != "" {
		if v.GhprbRepo != "" {
			c.forkFrom(!sameRepo(v.GhprbAuthorURL, v.GhprbRepo), srcs("ghprbAuthorRepoGitUrl", "ghprbGhRepository"))
		} else if v.GitURL != "" {
			c.forkFrom(!sameRepo(v.GhprbAuthorURL, v.GitURL), srcs("ghprbAuthorRepoGitUrl", "GIT_URL"))
		}
	}
	if jenkinsGitLabMR(v.GitlabAction) {
		c.set(FieldPullRequest, v.GitlabMRIID, "gitlabMergeRequestIid")
		c.set(FieldPullRequest, v.GitlabMRID, "gitlabMergeRequestId")
		c.set(FieldPullRequest, PullRequestUnknown, "gitlabActionType")
		jenkinsGitLabFork(&c, &v)
	}
	// The Bitbucket Push and Pull Request plugin names no fork.
	c.set(FieldPullRequest, v.BitbucketPRID, "BITBUCKET_PULL_REQUEST_ID")
	if m := jenkinsPRBranch.FindStringSubmatch(v.BranchName); m != nil {
		c.set(FieldPullRequest, m[1], "BRANCH_NAME")
	}
	if c.PullRequest != "" {
		c.set(FieldBranch, v.ChangeBranch, "CHANGE_BRANCH")
		c.set(FieldBranch, v.GhprbSource, "ghprbSourceBranch")
		c.set(FieldBranch, v.GitlabSource, "gitlabSourceBranch")
		c.set(FieldBranch, v.BitbucketSrc, "BITBUCKET_SOURCE_BRANCH")
		c.set(FieldBaseBranch, v.ChangeTarget, "CHANGE_TARGET")
		c.set(FieldBaseBranch, v.GhprbTarget, "ghprbTargetBranch")
		c.set(FieldBaseBranch, v.GitlabTarget, "gitlabTargetBranch")
		c.set(FieldBaseBranch, v.BitbucketDst, "BITBUCKET_TARGET_BRANCH")
		c.set(FieldHeadCommit, v.GhprbCommit, "ghprbActualCommit")
		c.set(FieldHeadCommit, v.GitlabMRCommit, "gitlabMergeRequestLastCommit")
		return c, nil
	}
	// In multibranch tag builds BRANCH_NAME is the tag name.
	if c.set(FieldTag, v.TagName, "TAG_NAME") {
		return c, nil
	}
	if v.GitlabAction == "TAG_PUSH" {
		c.tagEvent = true
		if kind, name := parseRef(v.GitlabBranch); kind == refTag || kind == refName {
			c.set(FieldTag, name, "gitlabBranch")
		}
		return c, nil
	}
	kind, name := jenkinsRef(v.GitBranch)
	local := v.GitLocalBranch
	if (kind == refTag || kind == refRemoteTag) && (local == name || local == "tags/"+name) {
		// "Check out to matching local branch" names the local branch
		// after GIT_BRANCH without its remote: a tag build's is the tag.
		local = ""
	}
	c.set(FieldBranch, v.BranchName, "BRANCH_NAME")
	c.set(FieldBranch, local, "GIT_LOCAL_BRANCH")
	if c.Branch != "" {
		return c, nil
	}
	switch kind {
	case refTag:
		c.set(FieldTag, name, "GIT_BRANCH")
	case refRemoteTag:
		// origin/tags/X is what the Git plugin reports for a job that
		// builds tags, but a branch may be named tags/X too: git decides.
		c.tagAtHead, c.tagAtHeadSrc, c.tagBranch = name, "GIT_BRANCH", jenkinsBranch(v.GitBranch)
	default:
		c.set(FieldBranch, name, "GIT_BRANCH")
	}
	return c, nil
}

// jenkinsGitLabMR reports whether the GitLab plugin's gitlabActionType names
// a merge request build: MERGE, or NOTE (a comment on a merge request).
func jenkinsGitLabMR(action string) bool { return action == "MERGE" || action == "NOTE" }

// jenkinsGitLabFork compares the GitLab plugin's source and target
// repositories, by homepage, URL, or namespace and name, whichever pair is
// complete first.
func jenkinsGitLabFork(c *Context, v *jenkinsEnv) {
	pairs := []struct{ src, dst, srcKey, dstKey string }{
		{v.GitlabSrcHome, v.GitlabDstHome, "gitlabSourceRepoHomepage", "gitlabTargetRepoHomepage"},
		{v.GitlabSrcURL, v.GitlabDstURL, "gitlabSourceRepoURL", "gitlabTargetRepoURL"},
	}
	if v.GitlabSrcNS != "" && v.GitlabDstNS != "" && v.GitlabSrcName != "" && v.GitlabDstName != "" {
		pairs = append(pairs, struct{ src, dst, srcKey, dstKey string }{
			v.GitlabSrcNS + "/" + v.GitlabSrcName, v.GitlabDstNS + "/" + v.GitlabDstName,
			"gitlabSourceNamespace+gitlabSourceRepoName", "gitlabTargetNamespace+gitlabTargetRepoName"})
	}
	for _, p := range pairs {
		if p.src != "" && p.dst != "" {
			c.forkFrom(!sameRepo(p.src, p.dst), srcs(p.srcKey, p.dstKey))
			return
		}
	}
}

// refRemoteTag is a tag the Git plugin names through a remote: origin/tags/X.
const refRemoteTag refKind = -1

// jenkinsRef reads the Git plugin's GIT_BRANCH: refs/tags/X is tag X,
// <remote>/tags/X (origin/, remotes/<r>/, refs/remotes/<r>/ or any one
// remote name) probably tag X (refRemoteTag, which git confirms), anything
// else a branch (see jenkinsBranch).
func jenkinsRef(b string) (refKind, string) {
	if kind, name := parseRef(b); kind == refTag {
		return refTag, name
	}
	remote := strings.HasPrefix(b, "origin/") || strings.HasPrefix(b, "remotes/") || strings.HasPrefix(b, "refs/remotes/")
	name := jenkinsBranch(b)
	if t, ok := strings.CutPrefix(name, "tags/"); remote && ok && t != "" {
		return refRemoteTag, t
	}
	// A remote configured under another name than origin: <remote>/tags/X.
	if _, rest, ok := strings.Cut(b, "/"); ok && !hasRefsPrefix(b) {
		if t, ok := strings.CutPrefix(rest, "tags/"); ok && t != "" {
			return refRemoteTag, t
		}
	}
	return refBranch, name
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
