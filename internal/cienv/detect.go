package cienv

import (
	"context"
	"fmt"
	"strings"

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
	bitrise{},
	appveyor{},
	semaphore{},
	codefresh{},
	cirrus{},
	bamboo{},
	teamcity{},
	jenkins{},
	generic{},
}

// ProviderLocal is the Provider when no CI was recognised.
const ProviderLocal = "local"

// ProviderGeneric is the Provider of a CI that is not one of ours: only the
// generic CI, BUILD_NUMBER or RUN_ID variables said it is a CI at all.
const ProviderGeneric = "generic"

// Override is a value given explicitly (CONVOX_CI_BRANCH, --branch, ...)
// that replaces what the CI says. Source names where it came from.
type Override struct{ Value, Source string }

// Overrides replace detection on any CI. When Branch, Tag or PullRequest is
// given, what the CI says about the ref (branch, tag, pull request, target
// branch, fork) is dropped and only the overrides describe it, unless the CI
// reports a pull request from a fork (or cannot say it is not): that stays
// the pull request, with a given branch as its source branch. A pull request
// given this way is treated as coming from a fork, since nothing says
// otherwise. Commit replaces the commit alone.
type Overrides struct {
	Branch, Tag, PullRequest, Commit Override
}

// OverrideError is an override that is not a value of its kind: a pull
// request that is neither a number nor a URL ending in one, a branch or a
// tag given as another kind of ref. Nothing is detected then: dropping it
// would let git or the CI name a ref the user meant to replace.
type OverrideError struct {
	Source, Value, Problem string
}

func (e *OverrideError) Error() string {
	return fmt.Sprintf("%s=%q %s", e.Source, e.Value, e.Problem)
}

// checked returns o with a pull request URL read as its number and a pull
// request of "false" or "0" (how Travis, Buildkite and Bitrise say "not a
// pull request") dropped, or the first override that is not a value of its
// kind.
func (o Overrides) checked() (Overrides, error) {
	refused := func(v Override, problem string) error {
		return &OverrideError{Source: v.Source, Value: trim(v.Value), Problem: problem}
	}
	if n := trim(o.PullRequest.Value); n != "" {
		switch last := lastSegment(n); {
		case !isSetNotFalse(n):
			o.PullRequest.Value = ""
		case isDigits(n):
		case isDigits(last) && strings.Contains(n, "/"):
			o.PullRequest.Value = last
		default:
			return o, refused(o.PullRequest, "is not a pull request: give its number (42) or its URL; leave it empty, or false, on other builds")
		}
	}
	// A pull request's branch given as the branch (TeamCity's pull/42,
	// GitHub's refs/pull/42/merge) is that pull request.
	if m := teamcityPRBranch.FindStringSubmatch(trim(o.Branch.Value)); m != nil && o.PullRequest.Value == "" {
		o.PullRequest, o.Branch = Override{Value: m[1], Source: o.Branch.Source}, Override{}
	}
	switch kind, name := parseRef(trim(o.Branch.Value)); {
	case name == "HEAD":
		return o, refused(o.Branch, "is no branch: the checkout is detached there (git rev-parse --abbrev-ref HEAD prints HEAD); give the branch name, or CONVOX_CI_TAG for a tag build")
	case kind == refTag:
		return o, refused(o.Branch, "is a tag: give it as CONVOX_CI_TAG (or --tag)")
	case kind == refPull:
		return o, refused(o.Branch, "is a pull request's ref: give its number as CONVOX_CI_PULL_REQUEST (or --pull-request) and its source branch as the branch")
	case kind == refUnknown && trim(o.Branch.Value) != "":
		return o, refused(o.Branch, "is not a branch name: give the branch (refs/heads/ may prefix it)")
	}
	switch kind, _ := parseRef(trim(o.Tag.Value)); kind {
	case refBranch:
		return o, refused(o.Tag, "is a branch: give it as CONVOX_CI_BRANCH (or --branch)")
	case refPull:
		return o, refused(o.Tag, "is a pull request's ref: give its number as CONVOX_CI_PULL_REQUEST (or --pull-request)")
	case refUnknown:
		if trim(o.Tag.Value) != "" {
			return o, refused(o.Tag, "is not a tag name: give the tag (refs/tags/ may prefix it)")
		}
	}
	return o, nil
}

func (o Overrides) ref() bool {
	return trim(o.Branch.Value) != "" || trim(o.Tag.Value) != "" || trim(o.PullRequest.Value) != ""
}

// Detect reads the environment through l and returns the context of the
// first provider that recognises it ("local" when none does). A nil l reads
// the process environment. git, which may be nil, is consulted only to fill
// what the CI left empty: the commit, and, when the CI named no branch, tag
// or pull request, the checked-out branch or else the best tag at HEAD (the
// tag first when the CI's event says tag). Git failures leave values unknown
// and are reported in GitError; they are never errors.
func Detect(ctx context.Context, l Lookuper, git Git) (Context, error) {
	return DetectWith(ctx, l, git, Overrides{})
}

// DetectWith is Detect with overrides applied over what the CI says.
func DetectWith(ctx context.Context, l Lookuper, git Git, o Overrides) (Context, error) {
	if l == nil {
		l = envconfig.OsLookuper()
	}
	o, err := o.checked()
	if err != nil {
		return Context{}, err
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
	override(&c, o)
	normalise(&c)
	fillFromGit(ctx, &c, git)
	normalise(&c)
	if c.PullRequest != "" && !c.forkKnown {
		c.Fork = true
		c.Sources[FieldFork] = SourceForkAssumed
	}
	c.forkKnown, c.tagEvent, c.tagAtHead, c.tagAtHeadSrc, c.tagBranch = false, false, "", "", ""
	return c, nil
}

// override applies o over what the CI said. A pull request the CI says
// comes from a fork, or cannot say does not, stays that pull request
// (README: pull requests from forks never deploy): a branch given is its
// source branch, and a tag or another pull request is not taken.
func override(c *Context, o Overrides) {
	if o.ref() && c.PullRequest != "" && (c.Fork || !c.forkKnown) {
		if trim(o.Branch.Value) != "" {
			c.clear(FieldBranch)
			c.set(FieldBranch, o.Branch.Value, o.Branch.Source)
		}
	} else if o.ref() {
		for _, k := range []string{FieldBranch, FieldTag, FieldPullRequest, FieldBaseBranch, FieldFork, FieldHeadCommit} {
			c.clear(k)
		}
		c.forkKnown, c.tagEvent, c.tagAtHead, c.tagAtHeadSrc, c.tagBranch = false, false, "", "", ""
		c.set(FieldBranch, o.Branch.Value, o.Branch.Source)
		c.set(FieldTag, o.Tag.Value, o.Tag.Source)
		c.set(FieldPullRequest, o.PullRequest.Value, o.PullRequest.Source)
	}
	if trim(o.Commit.Value) != "" {
		c.clear(FieldCommit)
		c.set(FieldCommit, o.Commit.Value, o.Commit.Source)
	}
}

// newContext starts a Context for provider, detected through src.
func newContext(name, src string) Context {
	c := Context{Sources: map[string]string{}}
	c.set(FieldProvider, name, src)
	return c
}

// fillFromGit fills the commit, and the branch or tag when the CI named no
// ref at all, from git. A tag the CI implies (tagAtHead) is confirmed here.
// When the CI's event says tag, a tag at HEAD wins over the checked-out
// branch.
func fillFromGit(ctx context.Context, c *Context, git Git) {
	if git == nil {
		if c.tagAtHead != "" { // nothing to confirm it with: take the CI's word
			c.set(FieldTag, c.tagAtHead, c.tagAtHeadSrc)
		}
		return
	}
	gitErr := func(err error) {
		if c.GitError == "" {
			c.GitError = err.Error()
		}
	}
	if c.Commit == "" {
		sha, err := git.Commit(ctx)
		if err != nil {
			gitErr(err)
			if c.tagAtHead != "" {
				c.set(FieldTag, c.tagAtHead, c.tagAtHeadSrc)
			}
			return // not a checkout (or no commit yet): git knows no branch or tag either
		}
		c.set(FieldCommit, trim(sha), SourceGit)
	}
	if c.tagAtHead != "" {
		tags, err := git.TagsAtHead(ctx)
		switch {
		case err != nil:
			gitErr(err)
			c.set(FieldTag, c.tagAtHead, c.tagAtHeadSrc)
		case contains(tags, c.tagAtHead):
			c.set(FieldTag, c.tagAtHead, srcs(c.tagAtHeadSrc, SourceGit))
		default:
			c.set(FieldBranch, c.tagBranch, c.tagAtHeadSrc)
		}
	}
	if c.Branch != "" || c.Tag != "" || c.PullRequest != "" {
		return
	}
	tagAtHead := func() {
		tags, err := git.TagsAtHead(ctx)
		if err != nil {
			gitErr(err)
			return
		}
		for _, t := range tags {
			if c.set(FieldTag, stripPrefix(trim(t), refsTags), SourceGit) {
				return
			}
		}
	}
	if c.tagEvent {
		// A tag build whose tag git cannot find is no branch build.
		tagAtHead()
		return
	}
	if b, err := git.Branch(ctx); err != nil {
		gitErr(err)
	} else if b = trim(b); b != "HEAD" {
		c.set(FieldBranch, stripPrefix(b, refsHeads), SourceGit)
	}
	if c.Branch == "" {
		tagAtHead()
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if trim(v) == s {
			return true
		}
	}
	return false
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
