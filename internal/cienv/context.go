package cienv

import "strings"

// Context is what a CI job knows about the build it is running, normalised
// across providers. Sources records, for each field that was set, the
// environment variable (or "git") it came from, so that `plan` can show it.
//
// Detect keeps these invariants: Branch, Tag and BaseBranch never start with
// "refs/"; a pull request build has no Tag; a tag build has no Branch; Fork
// and BaseBranch are only set on pull request builds.
type Context struct {
	Provider    string // "github", "circleci", "jenkins", "travis", "gitlab", "bitbucket", "buildkite", "drone", "woodpecker", "azure", "codebuild", "bitrise", "appveyor", "semaphore", "codefresh", "cirrus", "bamboo", "teamcity", "generic", "local"
	Branch      string // the branch being built; on a pull request, the PR's source branch
	Tag         string // the tag being built, without refs/tags/
	Commit      string // the full commit SHA
	PullRequest string // the pull request number, "" when this is not a pull request build
	BaseBranch  string // on a pull request, the branch it targets
	Fork        bool   // the pull request comes from a fork, or the CI cannot tell (see ForkAssumed)
	BuildNumber string
	BuildURL    string
	Repository  string // owner/name where known
	Workspace   string // the checkout directory

	Event      string // the CI's own name for what triggered the build ("push", "pull_request", "merge_request_event", ...), where it says
	HeadCommit string // on a pull request, the PR's head commit when the CI builds a merge commit (GitHub, Travis, Azure, GitLab, ghprb)

	Sources map[string]string // field name ("branch", "tag", ...) -> where it came from, e.g. "GITHUB_REF"

	// GitError is git's own reason, when a git question Detect needed
	// answered failed (not a checkout, dubious ownership, ...): the values
	// git would have filled are then unknown.
	GitError string

	forkKnown    bool   // the provider read a fork signal (true or false) for this pull request
	tagEvent     bool   // the CI's event says "tag" (whether or not it names the tag)
	tagAtHead    string // a tag name the CI implies, to confirm with git (Jenkins' origin/tags/X)
	tagAtHeadSrc string // the variable tagAtHead came from
	tagBranch    string // what tagAtHead is as a branch name, when git says no such tag is at HEAD
}

// Keys of Context.Sources, one per field.
const (
	FieldProvider    = "provider"
	FieldBranch      = "branch"
	FieldTag         = "tag"
	FieldCommit      = "commit"
	FieldPullRequest = "pull_request"
	FieldBaseBranch  = "base_branch"
	FieldFork        = "fork"
	FieldBuildNumber = "build_number"
	FieldBuildURL    = "build_url"
	FieldRepository  = "repository"
	FieldWorkspace   = "workspace"
	FieldEvent       = "event"
	FieldHeadCommit  = "head_commit"
)

// PullRequestUnknown is the PullRequest value when the CI says the build is
// for a pull request but not which one.
const PullRequestUnknown = "unknown"

// SourceGit is the Sources value of a field filled from the git checkout.
const SourceGit = "git"

// SourceForkAssumed is the Sources value of Fork when the CI gave no fork
// signal for a pull request: it is then treated as coming from a fork.
const SourceForkAssumed = "assumed"

// ForkAssumed reports whether Fork is set only because the CI does not say
// whether the pull request comes from a fork.
func (c Context) ForkAssumed() bool { return c.Fork && c.Sources[FieldFork] == SourceForkAssumed }

// ForkUnknownBy names what gave a pull request without saying whether it
// comes from a fork: the override (a CONVOX_CI_ variable or a --flag, as
// the caller names its Override sources) when one named it, else the CI.
func (c Context) ForkUnknownBy() string {
	if src := c.Sources[FieldPullRequest]; strings.HasPrefix(src, "CONVOX_CI_") || strings.HasPrefix(src, "--") {
		return src
	}
	return c.Provider
}

// IsPullRequest reports whether this build is for a pull request.
func (c Context) IsPullRequest() bool { return c.PullRequest != "" }

// Ref describes what is being built: "pull request #N", "tag X", "branch X",
// or "unknown ref" when neither the CI nor git could tell.
func (c Context) Ref() string {
	switch {
	case c.PullRequest != "":
		return "pull request #" + c.PullRequest
	case c.Tag != "":
		return "tag " + c.Tag
	case c.Branch != "":
		return "branch " + c.Branch
	default:
		return "unknown ref"
	}
}

// field returns a pointer to the string field named by key, or nil.
func (c *Context) field(key string) *string {
	switch key {
	case FieldProvider:
		return &c.Provider
	case FieldBranch:
		return &c.Branch
	case FieldTag:
		return &c.Tag
	case FieldCommit:
		return &c.Commit
	case FieldPullRequest:
		return &c.PullRequest
	case FieldBaseBranch:
		return &c.BaseBranch
	case FieldBuildNumber:
		return &c.BuildNumber
	case FieldBuildURL:
		return &c.BuildURL
	case FieldRepository:
		return &c.Repository
	case FieldWorkspace:
		return &c.Workspace
	case FieldEvent:
		return &c.Event
	case FieldHeadCommit:
		return &c.HeadCommit
	}
	return nil
}

// set assigns the trimmed value to the field named by key and records src,
// unless the field already has a value or value is blank: callers list sources from the
// most to the least trusted. It reports whether it assigned.
func (c *Context) set(key, value, src string) bool {
	value = trim(value)
	p := c.field(key)
	if p == nil || value == "" || *p != "" {
		return false
	}
	*p = value
	if c.Sources == nil {
		c.Sources = map[string]string{}
	}
	c.Sources[key] = src
	return true
}

// forkFrom records what the CI says about the pull request's origin: a
// fork (fork true) or the repository itself. Either way the question is
// answered; a pull request whose provider never calls forkFrom is treated as
// coming from a fork.
func (c *Context) forkFrom(fork bool, src string) {
	c.forkKnown = true
	if fork {
		c.setFork(src)
	}
}

// setFork marks the build as coming from a fork, recording src.
func (c *Context) setFork(src string) {
	c.forkKnown = true
	if c.Fork {
		return
	}
	c.Fork = true
	if c.Sources == nil {
		c.Sources = map[string]string{}
	}
	c.Sources[FieldFork] = src
}

// clear empties the field named by key and forgets its source.
func (c *Context) clear(key string) {
	if key == FieldFork {
		c.Fork = false
	} else if p := c.field(key); p != nil {
		*p = ""
	}
	delete(c.Sources, key)
}
