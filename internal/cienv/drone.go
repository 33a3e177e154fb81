package cienv

import (
	"context"
	"strings"
)

// drone reads Drone, and Harness CI/Gitness, which export DRONE_* for
// compatibility.
type drone struct{}

type droneEnv struct {
	Branch       string `env:"DRONE_BRANCH"`
	CommitBranch string `env:"DRONE_COMMIT_BRANCH"`
	SourceBranch string `env:"DRONE_SOURCE_BRANCH"`
	TargetBranch string `env:"DRONE_TARGET_BRANCH"`
	Tag          string `env:"DRONE_TAG"`
	CommitSHA    string `env:"DRONE_COMMIT_SHA"`
	Commit       string `env:"DRONE_COMMIT"`
	CommitRef    string `env:"DRONE_COMMIT_REF"`
	Event        string `env:"DRONE_BUILD_EVENT"`
	PullRequest  string `env:"DRONE_PULL_REQUEST"`
	BuildNumber  string `env:"DRONE_BUILD_NUMBER"`
	BuildLink    string `env:"DRONE_BUILD_LINK"`
	Repo         string `env:"DRONE_REPO"`
	RepoOwner    string `env:"DRONE_REPO_OWNER"`
	RepoName     string `env:"DRONE_REPO_NAME"`
	Workspace    string `env:"DRONE_WORKSPACE"`
}

// Name implements provider.
func (drone) Name() string { return "drone" }

// Detect implements provider.
func (drone) Detect(l Lookuper) bool { return isTrue(get(l, "DRONE")) }

// Context implements provider. On pull requests DRONE_BRANCH and
// DRONE_COMMIT_BRANCH are the target branch; the source is
// DRONE_SOURCE_BRANCH. Drone gives no fork signal.
func (drone) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v droneEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("drone", "DRONE")
	c.set(FieldEvent, v.Event, "DRONE_BUILD_EVENT")
	c.set(FieldCommit, v.CommitSHA, "DRONE_COMMIT_SHA")
	c.set(FieldCommit, v.Commit, "DRONE_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "DRONE_BUILD_NUMBER")
	c.set(FieldBuildURL, v.BuildLink, "DRONE_BUILD_LINK")
	c.set(FieldWorkspace, v.Workspace, "DRONE_WORKSPACE")
	c.set(FieldRepository, v.Repo, "DRONE_REPO")
	if v.RepoOwner != "" && v.RepoName != "" {
		c.set(FieldRepository, v.RepoOwner+"/"+v.RepoName, srcs("DRONE_REPO_OWNER", "DRONE_REPO_NAME"))
	}

	kind, name := parseRef(v.CommitRef)
	if droneIsPREvent(v.Event) || v.PullRequest != "" || kind == refPull {
		c.set(FieldPullRequest, v.PullRequest, "DRONE_PULL_REQUEST")
		if kind == refPull {
			c.set(FieldPullRequest, name, "DRONE_COMMIT_REF")
		}
		c.set(FieldPullRequest, PullRequestUnknown, "DRONE_BUILD_EVENT")
		c.set(FieldBranch, v.SourceBranch, "DRONE_SOURCE_BRANCH")
		c.set(FieldBaseBranch, v.TargetBranch, "DRONE_TARGET_BRANCH")
		c.set(FieldBaseBranch, v.Branch, "DRONE_BRANCH")
		c.set(FieldBaseBranch, v.CommitBranch, "DRONE_COMMIT_BRANCH")
		return c, nil
	}
	c.tagEvent = v.Event == "tag"
	if c.set(FieldTag, v.Tag, "DRONE_TAG") {
		return c, nil
	}
	if kind == refTag {
		c.set(FieldTag, name, "DRONE_COMMIT_REF")
		return c, nil
	}
	if c.tagEvent {
		return c, nil // drone exec --event tag names no tag: Detect takes git's tag at HEAD
	}
	c.set(FieldBranch, v.Branch, "DRONE_BRANCH")
	c.set(FieldBranch, v.CommitBranch, "DRONE_COMMIT_BRANCH")
	if kind == refBranch {
		c.set(FieldBranch, name, "DRONE_COMMIT_REF")
	}
	return c, nil
}

// droneIsPREvent reports whether a Woodpecker or Drone event names a pull
// request ("pull_request", Woodpecker 3's "pull_request_closed", ...).
func droneIsPREvent(e string) bool { return strings.HasPrefix(e, "pull_request") }
