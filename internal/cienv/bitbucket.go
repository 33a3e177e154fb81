package cienv

import (
	"context"
	"strings"
)

// bitbucket reads Bitbucket Pipelines.
type bitbucket struct{}

type bitbucketEnv struct {
	BuildNumber string `env:"BITBUCKET_BUILD_NUMBER"`
	Commit      string `env:"BITBUCKET_COMMIT"`
	Branch      string `env:"BITBUCKET_BRANCH"`
	Tag         string `env:"BITBUCKET_TAG"`
	PRID        string `env:"BITBUCKET_PR_ID"`
	PRDest      string `env:"BITBUCKET_PR_DESTINATION_BRANCH"`
	FullName    string `env:"BITBUCKET_REPO_FULL_NAME"`
	HTTPOrigin  string `env:"BITBUCKET_GIT_HTTP_ORIGIN"`
	CloneDir    string `env:"BITBUCKET_CLONE_DIR"`
}

// Name implements provider.
func (bitbucket) Name() string { return "bitbucket" }

// Detect implements provider.
func (bitbucket) Detect(l Lookuper) bool {
	return get(l, "BITBUCKET_BUILD_NUMBER") != "" || get(l, "BITBUCKET_COMMIT") != ""
}

// Context implements provider. BITBUCKET_BRANCH is a plain name, the source
// branch on pull requests, empty on tag builds. Bitbucket gives no fork
// signal.
func (bitbucket) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v bitbucketEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	src := "BITBUCKET_BUILD_NUMBER"
	if v.BuildNumber == "" {
		src = "BITBUCKET_COMMIT"
	}
	c := newContext("bitbucket", src)
	c.set(FieldCommit, v.Commit, "BITBUCKET_COMMIT")
	c.set(FieldBuildNumber, v.BuildNumber, "BITBUCKET_BUILD_NUMBER")
	c.set(FieldRepository, v.FullName, "BITBUCKET_REPO_FULL_NAME")
	c.set(FieldWorkspace, v.CloneDir, "BITBUCKET_CLONE_DIR")
	// Pipelines runs on bitbucket.org only; BITBUCKET_GIT_HTTP_ORIGIN is
	// the fallback when the full name is missing.
	if v.BuildNumber != "" {
		if v.FullName != "" {
			c.set(FieldBuildURL, "https://bitbucket.org/"+v.FullName+"/addon/pipelines/home#!/results/"+v.BuildNumber,
				srcs("BITBUCKET_REPO_FULL_NAME", "BITBUCKET_BUILD_NUMBER"))
		} else if v.HTTPOrigin != "" {
			c.set(FieldBuildURL, strings.TrimRight(v.HTTPOrigin, "/")+"/addon/pipelines/home#!/results/"+v.BuildNumber,
				srcs("BITBUCKET_GIT_HTTP_ORIGIN", "BITBUCKET_BUILD_NUMBER"))
		}
	}
	if c.set(FieldPullRequest, v.PRID, "BITBUCKET_PR_ID") {
		c.set(FieldBranch, v.Branch, "BITBUCKET_BRANCH")
		c.set(FieldBaseBranch, v.PRDest, "BITBUCKET_PR_DESTINATION_BRANCH")
		return c, nil
	}
	if c.set(FieldTag, v.Tag, "BITBUCKET_TAG") {
		return c, nil
	}
	c.set(FieldBranch, v.Branch, "BITBUCKET_BRANCH")
	return c, nil
}
