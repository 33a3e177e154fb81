package cienv

import (
	"context"
	"net/url"
	"regexp"
	"strings"
)

// codebuild reads AWS CodeBuild.
type codebuild struct{}

type codebuildEnv struct {
	BuildID         string `env:"CODEBUILD_BUILD_ID"`
	BuildARN        string `env:"CODEBUILD_BUILD_ARN"`
	Trigger         string `env:"CODEBUILD_WEBHOOK_TRIGGER"`
	HeadRef         string `env:"CODEBUILD_WEBHOOK_HEAD_REF"`
	BaseRef         string `env:"CODEBUILD_WEBHOOK_BASE_REF"`
	Event           string `env:"CODEBUILD_WEBHOOK_EVENT"`
	ResolvedVersion string `env:"CODEBUILD_RESOLVED_SOURCE_VERSION"`
	SourceVersion   string `env:"CODEBUILD_SOURCE_VERSION"`
	BuildNumber     string `env:"CODEBUILD_BUILD_NUMBER"`
	PublicBuildURL  string `env:"CODEBUILD_PUBLIC_BUILD_URL"`
	Region          string `env:"AWS_REGION"`
	SourceRepoURL   string `env:"CODEBUILD_SOURCE_REPO_URL"`
	SrcDir          string `env:"CODEBUILD_SRC_DIR"`
}

// fullSHA matches a full hex commit id (SHA-1 or SHA-256).
var fullSHA = regexp.MustCompile(`^([0-9a-f]{40}|[0-9a-f]{64})$`)

// Name implements provider.
func (codebuild) Name() string { return "codebuild" }

// Detect implements provider.
func (codebuild) Detect(l Lookuper) bool {
	return get(l, "CODEBUILD_BUILD_ID") != "" || get(l, "CODEBUILD_BUILD_ARN") != ""
}

// Context implements provider. Webhook builds say what they build in
// CODEBUILD_WEBHOOK_TRIGGER (branch/x, tag/x, pr/N) and
// CODEBUILD_WEBHOOK_HEAD_REF/BASE_REF. Other builds only have
// CODEBUILD_SOURCE_VERSION, which may be a ref, pr/N, a commit or, for S3
// sources, an object version: only the unambiguous forms are read, the
// rest is left to git.
func (codebuild) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v codebuildEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	src := "CODEBUILD_BUILD_ID"
	if v.BuildID == "" {
		src = "CODEBUILD_BUILD_ARN"
	}
	c := newContext("codebuild", src)
	c.set(FieldEvent, v.Event, "CODEBUILD_WEBHOOK_EVENT")
	c.set(FieldCommit, v.ResolvedVersion, "CODEBUILD_RESOLVED_SOURCE_VERSION")
	if fullSHA.MatchString(v.SourceVersion) {
		c.set(FieldCommit, v.SourceVersion, "CODEBUILD_SOURCE_VERSION")
	}
	c.set(FieldBuildNumber, v.BuildNumber, "CODEBUILD_BUILD_NUMBER")
	c.set(FieldBuildURL, v.PublicBuildURL, "CODEBUILD_PUBLIC_BUILD_URL")
	if v.Region != "" && v.BuildID != "" {
		c.set(FieldBuildURL,
			"https://"+v.Region+".console.aws.amazon.com/codesuite/codebuild/projects/"+
				url.PathEscape(strings.SplitN(v.BuildID, ":", 2)[0])+"/build/"+url.PathEscape(v.BuildID)+"/?region="+url.QueryEscape(v.Region),
			srcs("AWS_REGION", "CODEBUILD_BUILD_ID"))
	}
	c.set(FieldRepository, repoSlug(v.SourceRepoURL), "CODEBUILD_SOURCE_REPO_URL")
	c.set(FieldWorkspace, v.SrcDir, "CODEBUILD_SRC_DIR")

	trigger, triggerSrc := v.Trigger, "CODEBUILD_WEBHOOK_TRIGGER"
	if trigger == "" && strings.HasPrefix(v.SourceVersion, "pr/") {
		trigger, triggerSrc = v.SourceVersion, "CODEBUILD_SOURCE_VERSION"
	}
	kind, value, _ := strings.Cut(trigger, "/")
	headKind, head := parseRef(v.HeadRef)
	if kind == "pr" || strings.HasPrefix(v.Event, "PULL_REQUEST_") {
		if isDigits(value) {
			c.set(FieldPullRequest, value, triggerSrc)
		}
		c.set(FieldPullRequest, PullRequestUnknown, "CODEBUILD_WEBHOOK_EVENT")
		if headKind == refBranch || headKind == refName {
			c.set(FieldBranch, head, "CODEBUILD_WEBHOOK_HEAD_REF")
		}
		if baseKind, base := parseRef(v.BaseRef); baseKind == refBranch || baseKind == refName {
			c.set(FieldBaseBranch, base, "CODEBUILD_WEBHOOK_BASE_REF")
		}
		return c, nil
	}
	switch kind {
	case "branch":
		c.set(FieldBranch, value, triggerSrc)
		return c, nil
	case "tag":
		c.set(FieldTag, value, triggerSrc)
		return c, nil
	}
	switch headKind {
	case refBranch:
		c.set(FieldBranch, head, "CODEBUILD_WEBHOOK_HEAD_REF")
		return c, nil
	case refTag:
		c.set(FieldTag, head, "CODEBUILD_WEBHOOK_HEAD_REF")
		return c, nil
	}
	switch sk, name := parseRef(v.SourceVersion); sk {
	case refBranch:
		c.set(FieldBranch, name, "CODEBUILD_SOURCE_VERSION")
	case refTag:
		c.set(FieldTag, name, "CODEBUILD_SOURCE_VERSION")
	case refPull:
		c.set(FieldPullRequest, name, "CODEBUILD_SOURCE_VERSION")
	}
	return c, nil
}
