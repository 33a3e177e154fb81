package cienv

import (
	"context"
	"fmt"

	"github.com/sethvargo/go-envconfig"
)

// Lookuper reads one environment variable; tests pass envconfig.MapLookuper.
type Lookuper = envconfig.Lookuper

// provider knows one CI: whether the environment is its, and what it says.
type provider interface {
	// Name is the Context.Provider value, e.g. "github".
	Name() string
	// Detect reports whether the environment is this CI's.
	Detect(l Lookuper) bool
	// Context reads the CI's variables into a Context.
	Context(ctx context.Context, l Lookuper) (Context, error)
}

// providers is the detection order: specific CIs first, then the ones whose
// markers other CIs may also set (Jenkins' JENKINS_URL, plain BUILD_NUMBER),
// the generic fallback last. Woodpecker precedes Drone because Drone-
// compatible runners may set both families.
var providers = []provider{
	github{},
	gitlab{},
	circleci{},
	travis{},
	buildkite{},
	woodpecker{},
	drone{},
	bitbucket{},
	azure{},
	codebuild{},
	teamcity{},
	jenkins{},
	generic{},
}

// ProviderLocal is the Provider when no CI was recognised.
const ProviderLocal = "local"

// Detect reads the environment through l and returns the context of the
// first provider that recognises it ("local" when none does). A nil l reads
// the process environment. git, which may be nil, is consulted only to fill
// what the CI left empty: the commit, and, when the CI named no branch, tag
// or pull request, the checked-out branch or else the best tag at HEAD. Git
// failures leave values unknown; they are never errors.
func Detect(ctx context.Context, l Lookuper, git Git) (Context, error) {
	if l == nil {
		l = envconfig.OsLookuper()
	}
	var c Context
	found := false
	for _, p := range providers {
		if !p.Detect(l) {
			continue
		}
		var err error
		if c, err = p.Context(ctx, l); err != nil {
			return Context{}, fmt.Errorf("reading the %s environment: %w", p.Name(), err)
		}
		found = true
		break
	}
	if !found {
		c = newContext(ProviderLocal, "no CI variables")
	}
	normalise(&c)
	fillFromGit(ctx, &c, git)
	normalise(&c)
	return c, nil
}

// newContext starts a Context for provider, detected through src.
func newContext(name, src string) Context {
	c := Context{Sources: map[string]string{}}
	c.set(FieldProvider, name, src)
	return c
}

// fillFromGit fills the commit, and the branch or tag when the CI named no
// ref at all, from git.
func fillFromGit(ctx context.Context, c *Context, git Git) {
	if git == nil {
		return
	}
	if c.Commit == "" {
		sha, err := git.Commit(ctx)
		if err != nil {
			return // not a checkout (or no commit yet): git knows no branch or tag either
		}
		c.set(FieldCommit, trim(sha), SourceGit)
	}
	if c.Branch != "" || c.Tag != "" || c.PullRequest != "" {
		return
	}
	if b, err := git.Branch(ctx); err == nil {
		if b = trim(b); b != "HEAD" {
			c.set(FieldBranch, stripPrefix(b, refsHeads), SourceGit)
		}
	}
	if c.Branch != "" {
		return
	}
	if tags, err := git.TagsAtHead(ctx); err == nil {
		for _, t := range tags {
			if c.set(FieldTag, stripPrefix(trim(t), refsTags), SourceGit) {
				break
			}
		}
	}
}

// normalise enforces the Context invariants whatever the CI said: no refs/
// prefix in branch names, a pull request has no tag, a tag has no branch,
// fork and base branch belong to pull requests only.
func normalise(c *Context) {
	for _, f := range []struct{ key, prefix string }{
		{FieldBranch, refsHeads},
		{FieldBaseBranch, refsHeads},
		{FieldTag, refsTags},
	} {
		p := c.field(f.key)
		v := stripPrefix(trim(*p), f.prefix)
		if v == "" || hasRefsPrefix(v) {
			c.clear(f.key)
			continue
		}
		*p = v
	}
	if c.PullRequest != "" {
		c.clear(FieldTag)
		return
	}
	if c.Tag != "" {
		c.clear(FieldBranch)
	}
	c.clear(FieldFork)
	c.clear(FieldBaseBranch)
	c.clear(FieldHeadCommit)
}
