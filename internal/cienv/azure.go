package cienv

import (
	"context"
	"net/url"
	"strings"
)

// azure reads Azure Pipelines.
type azure struct{}

type azureEnv struct {
	SourceBranch     string `env:"BUILD_SOURCEBRANCH"`
	SourceBranchName string `env:"BUILD_SOURCEBRANCHNAME"`
	SourceVersion    string `env:"BUILD_SOURCEVERSION"`
	Reason           string `env:"BUILD_REASON"`
	PRID             string `env:"SYSTEM_PULLREQUEST_PULLREQUESTID"`
	PRNumber         string `env:"SYSTEM_PULLREQUEST_PULLREQUESTNUMBER"`
	PRSource         string `env:"SYSTEM_PULLREQUEST_SOURCEBRANCH"`
	PRTarget         string `env:"SYSTEM_PULLREQUEST_TARGETBRANCH"`
	PRIsFork         string `env:"SYSTEM_PULLREQUEST_ISFORK"`
	PRSourceCommit   string `env:"SYSTEM_PULLREQUEST_SOURCECOMMITID"`
	BuildID          string `env:"BUILD_BUILDID"`
	BuildNumber      string `env:"BUILD_BUILDNUMBER"`
	CollectionURI    string `env:"SYSTEM_COLLECTIONURI"`
	TFCollectionURI  string `env:"SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"`
	TeamProject      string `env:"SYSTEM_TEAMPROJECT"`
	RepositoryName   string `env:"BUILD_REPOSITORY_NAME"`
	SourcesDir       string `env:"BUILD_SOURCESDIRECTORY"`
	LocalPath        string `env:"BUILD_REPOSITORY_LOCALPATH"`
}

// Name implements provider.
func (azure) Name() string { return "azure" }

// Detect implements provider.
func (azure) Detect(l Lookuper) bool {
	return get(l, "TF_BUILD") != "" || get(l, "BUILD_BUILDURI") != ""
}

// Context implements provider. BUILD_SOURCEBRANCH is the full ref and is
// preferred: BUILD_SOURCEBRANCHNAME keeps only the last path segment
// (feature/tools -> tools) and cannot tell a tag from a branch, so it is used
// only when BUILD_SOURCEBRANCH is missing. For GitHub repositories the pull
// request number users see is SYSTEM_PULLREQUEST_PULLREQUESTNUMBER; the ID is
// internal.
func (azure) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v azureEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	src := "TF_BUILD"
	if get(l, "TF_BUILD") == "" {
		src = "BUILD_BUILDURI"
	}
	c := newContext("azure", src)
	c.set(FieldEvent, v.Reason, "BUILD_REASON")
	c.set(FieldCommit, v.SourceVersion, "BUILD_SOURCEVERSION")
	c.set(FieldBuildNumber, v.BuildNumber, "BUILD_BUILDNUMBER")
	c.set(FieldBuildNumber, v.BuildID, "BUILD_BUILDID")
	c.set(FieldRepository, v.RepositoryName, "BUILD_REPOSITORY_NAME")
	c.set(FieldWorkspace, v.SourcesDir, "BUILD_SOURCESDIRECTORY")
	c.set(FieldWorkspace, v.LocalPath, "BUILD_REPOSITORY_LOCALPATH")
	collection, collectionSrc := v.CollectionURI, "SYSTEM_COLLECTIONURI"
	if collection == "" {
		collection, collectionSrc = v.TFCollectionURI, "SYSTEM_TEAMFOUNDATIONCOLLECTIONURI"
	}
	if collection != "" && v.TeamProject != "" && v.BuildID != "" {
		c.set(FieldBuildURL,
			strings.TrimRight(collection, "/")+"/"+url.PathEscape(v.TeamProject)+"/_build/results?buildId="+url.QueryEscape(v.BuildID),
			srcs(collectionSrc, "SYSTEM_TEAMPROJECT", "BUILD_BUILDID"))
	}

	kind, name := parseRef(v.SourceBranch)
	if v.Reason == "PullRequest" || v.PRID != "" || v.PRNumber != "" || kind == refPull {
		c.set(FieldPullRequest, v.PRNumber, "SYSTEM_PULLREQUEST_PULLREQUESTNUMBER")
		if kind == refPull {
			c.set(FieldPullRequest, name, "BUILD_SOURCEBRANCH")
		}
		c.set(FieldPullRequest, v.PRID, "SYSTEM_PULLREQUEST_PULLREQUESTID")
		c.set(FieldPullRequest, PullRequestUnknown, "BUILD_REASON")
		c.set(FieldBranch, v.PRSource, "SYSTEM_PULLREQUEST_SOURCEBRANCH")
		c.set(FieldBaseBranch, v.PRTarget, "SYSTEM_PULLREQUEST_TARGETBRANCH")
		c.set(FieldHeadCommit, v.PRSourceCommit, "SYSTEM_PULLREQUEST_SOURCECOMMITID")
		if isTrue(v.PRIsFork) || isFalse(v.PRIsFork) { // anything else answers nothing
			c.forkFrom(isTrue(v.PRIsFork), "SYSTEM_PULLREQUEST_ISFORK")
		}
		return c, nil
	}
	switch kind {
	case refBranch:
		c.set(FieldBranch, name, "BUILD_SOURCEBRANCH")
	case refTag:
		c.set(FieldTag, name, "BUILD_SOURCEBRANCH")
	case refName:
		c.set(FieldBranch, name, "BUILD_SOURCEBRANCH")
	}
	if v.SourceBranch == "" {
		c.set(FieldBranch, v.SourceBranchName, "BUILD_SOURCEBRANCHNAME")
	}
	return c, nil
}
