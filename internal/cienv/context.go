// Package cienv detects which CI a job runs in and normalises what it tells
// the job: branch, tag, commit, pull request, build number and URL.
package cienv

// Context is what a CI job knows about the build it is running, normalised
// across providers. Sources records, for each field that was set, the
// environment variable (or "git") it came from, so that `plan` can show it.
type Context struct {
	Provider    string // "github", "circleci", "jenkins", "travis", "gitlab", "bitbucket", "buildkite", "drone", "woodpecker", "azure", "codebuild", "teamcity", "generic", "local"
	Branch      string // the branch being built; on a pull request, the PR's source branch
	Tag         string // the tag being built, without refs/tags/
	Commit      string // the full commit SHA
	PullRequest string // the pull request number, "" when this is not a pull request build
	BaseBranch  string // on a pull request, the branch it targets
	Fork        bool   // the pull request comes from a fork
	BuildNumber string
	BuildURL    string
	Repository  string // owner/name where known
	Workspace   string // the checkout directory

	Sources map[string]string // field name ("branch", "tag", ...) -> where it came from, e.g. "GITHUB_REF"
}

// IsPullRequest reports whether this build is for a pull request.
func (c Context) IsPullRequest() bool { return c.PullRequest != "" }
