package cienv

import "context"

// woodpecker reads Woodpecker CI.
type woodpecker struct{}

type woodpeckerEnv struct {
	CommitBranch string `env:"CI_COMMIT_BRANCH"`
	SourceBranch string `env:"CI_COMMIT_SOURCE_BRANCH"`
	TargetBranch string `env:"CI_COMMIT_TARGET_BRANCH"`
	Tag          string `env:"CI_COMMIT_TAG"`
	SHA          string `env:"CI_COMMIT_SHA"`
	Ref          string `env:"CI_COMMIT_REF"`
	Event        string `env:"CI_PIPELINE_EVENT"`
	PullRequest  string `env:"CI_COMMIT_PULL_REQUEST"`
	Number       string `env:"CI_PIPELINE_NUMBER"`
	URL          string `env:"CI_PIPELINE_URL"`
	Repo         string `env:"CI_REPO"`
	Workspace    string `env:"CI_WORKSPACE"`
}

// Name implements provider.
func (woodpecker) Name() string { return "woodpecker" }

// Detect implements provider.
func (woodpecker) Detect(l Lookuper) bool { return get(l, "CI") == "woodpecker" }

// Context implements provider. On pull requests CI_COMMIT_BRANCH is the
// target branch (by design, woodpecker#3560); the source is
// CI_COMMIT_SOURCE_BRANCH. Woodpecker gives no fork signal.
func (woodpecker) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v woodpeckerEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("woodpecker", "CI")
	c.set(FieldEvent, v.Event, "CI_PIPELINE_EVENT")
	c.set(FieldCommit, v.SHA, "CI_COMMIT_SHA")
	c.set(FieldBuildNumber, v.Number, "CI_PIPELINE_NUMBER")
	c.set(FieldBuildURL, v.URL, "CI_PIPELINE_URL")
	c.set(FieldRepository, v.Repo, "CI_REPO")
	c.set(FieldWorkspace, v.Workspace, "CI_WORKSPACE")

	kind, name := parseRef(v.Ref)
	if droneIsPREvent(v.Event) || v.PullRequest != "" || kind == refPull {
		c.set(FieldPullRequest, v.PullRequest, "CI_COMMIT_PULL_REQUEST")
		if kind == refPull {
			c.set(FieldPullRequest, name, "CI_COMMIT_REF")
		}
		c.set(FieldPullRequest, PullRequestUnknown, "CI_PIPELINE_EVENT")
		c.set(FieldBranch, v.SourceBranch, "CI_COMMIT_SOURCE_BRANCH")
		c.set(FieldBaseBranch, v.TargetBranch, "CI_COMMIT_TARGET_BRANCH")
		c.set(FieldBaseBranch, v.CommitBranch, "CI_COMMIT_BRANCH")
		return c, nil
	}
	c.tagEvent = v.Event == "tag"
	if c.set(FieldTag, v.Tag, "CI_COMMIT_TAG") {
		return c, nil
	}
	if kind == refTag {
		c.set(FieldTag, name, "CI_COMMIT_REF")
		return c, nil
	}
	if c.tagEvent {
		return c, nil // woodpecker exec --event tag may name no tag: Detect takes git's tag at HEAD
	}
	c.set(FieldBranch, v.CommitBranch, "CI_COMMIT_BRANCH")
	if kind == refBranch {
		c.set(FieldBranch, name, "CI_COMMIT_REF")
	}
	return c, nil
}
