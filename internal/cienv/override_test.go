package cienv

import (
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
)

func TestOverrides(t *testing.T) {
	t.Parallel()
	tagBuild := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_REF": "refs/tags/v1.0.0", "GITHUB_SHA": "abc"}
	forkPR := map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST": "7",
		"TRAVIS_PULL_REQUEST_BRANCH": "patch", "TRAVIS_PULL_REQUEST_SLUG": "someone/webapp", "TRAVIS_REPO_SLUG": "acme/webapp",
		"TRAVIS_COMMIT": "abc"}
	tests := map[string]struct {
		env      map[string]string
		o        Overrides
		git      *fakeGit
		want     summary
		sources  map[string]string
		gitCalls []string
	}{
		"a branch replaces the CI's tag": {
			env:     tagBuild,
			o:       Overrides{Branch: Override{"release", "CONVOX_CI_BRANCH"}},
			want:    summary{Provider: "github", Branch: "release", Commit: "abc"},
			sources: map[string]string{FieldBranch: "CONVOX_CI_BRANCH", FieldTag: ""},
		},
		"a tag replaces the CI's branch": {
			env:     map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "main", "CIRCLE_SHA1": "abc"},
			o:       Overrides{Tag: Override{"v2.0.0", "--tag"}},
			want:    summary{Provider: "circleci", Tag: "v2.0.0", Commit: "abc"},
			sources: map[string]string{FieldTag: "--tag"},
		},
		"a pull request replaces the CI's ref and is treated as a fork": {
			env:     map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "feature", "CIRCLE_SHA1": "abc"},
			o:       Overrides{PullRequest: Override{"12", "CONVOX_CI_PULL_REQUEST"}, Branch: Override{"feature", "CONVOX_CI_BRANCH"}},
			want:    summary{Provider: "circleci", Branch: "feature", PullRequest: "12", Commit: "abc", Fork: true},
			sources: map[string]string{FieldPullRequest: "CONVOX_CI_PULL_REQUEST", FieldFork: SourceForkAssumed},
		},
		"a pull request URL is read as its number": {
			env:  map[string]string{"CIRCLECI": "true", "CIRCLE_SHA1": "abc"},
			o:    Overrides{PullRequest: Override{"https://github.com/acme/webapp/pull/34", "CONVOX_CI_PULL_REQUEST"}},
			want: summary{Provider: "circleci", PullRequest: "34", Commit: "abc", Fork: true},
		},
		// README: pull requests from forks never deploy. An override cannot
		// turn one the CI reports into a branch or tag build: a branch given
		// is its source branch.
		"a branch override keeps the CI's fork pull request": {
			env:     forkPR,
			o:       Overrides{Branch: Override{"main", "CONVOX_CI_BRANCH"}},
			want:    summary{Provider: "travis", Branch: "main", BaseBranch: "main", PullRequest: "7", Commit: "abc", Fork: true},
			sources: map[string]string{FieldBranch: "CONVOX_CI_BRANCH", FieldPullRequest: "TRAVIS_PULL_REQUEST"},
		},
		"a tag override keeps the CI's fork pull request": {
			env:  forkPR,
			o:    Overrides{Tag: Override{"v1.0.0", "--tag"}},
			want: summary{Provider: "travis", Branch: "patch", BaseBranch: "main", PullRequest: "7", Commit: "abc", Fork: true},
		},
		"a branch override keeps a pull request whose CI cannot tell a fork": {
			env: map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "pull_request", "DRONE_PULL_REQUEST": "8",
				"DRONE_SOURCE_BRANCH": "patch", "DRONE_TARGET_BRANCH": "main", "DRONE_COMMIT_SHA": "abc"},
			o:       Overrides{Branch: Override{"patch", "CONVOX_CI_BRANCH"}},
			want:    summary{Provider: "drone", Branch: "patch", BaseBranch: "main", PullRequest: "8", Commit: "abc", Fork: true},
			sources: map[string]string{FieldFork: SourceForkAssumed},
		},
		"a branch override replaces a pull request the CI says is not from a fork": {
			env: map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "develop", "CIRCLE_SHA1": "abc",
				"CIRCLE_PULL_REQUEST": "https://github.com/acme/webapp/pull/9"},
			o:    Overrides{Branch: Override{"develop", "CONVOX_CI_BRANCH"}},
			want: summary{Provider: "circleci", Branch: "develop", Commit: "abc"},
		},
		// TeamCity's branch of a pull request, passed on as the branch
		// (CONVOX_CI_BRANCH=%teamcity.build.branch%), is that pull request.
		"a branch override named like a pull request's branch is that pull request": {
			env:     map[string]string{"CI": "true"},
			o:       Overrides{Branch: Override{"pull/42", "CONVOX_CI_BRANCH"}},
			want:    summary{Provider: "generic", PullRequest: "42", Commit: gitCommit, Fork: true},
			sources: map[string]string{FieldPullRequest: "CONVOX_CI_BRANCH", FieldFork: SourceForkAssumed},
		},
		"a branch override refs/pull/N/merge is pull request N": {
			env:  map[string]string{"CI": "true"},
			o:    Overrides{Branch: Override{"refs/pull/3/merge", "--branch"}},
			want: summary{Provider: "generic", PullRequest: "3", Commit: gitCommit, Fork: true},
		},
		"the commit alone replaces only the commit": {
			env:      tagBuild,
			o:        Overrides{Commit: Override{"def", "--commit"}},
			git:      &fakeGit{commit: gitCommit, branch: "main"},
			want:     summary{Provider: "github", Tag: "v1.0.0", Commit: "def"},
			sources:  map[string]string{FieldCommit: "--commit", FieldTag: "GITHUB_REF"},
			gitCalls: []string{},
		},
		"a ref override on an unknown CI keeps git out of the ref": {
			env:      map[string]string{"CI": "true"},
			o:        Overrides{Tag: Override{"v3.0.0", "CONVOX_CI_TAG"}},
			git:      &fakeGit{commit: gitCommit, branch: "main"},
			want:     summary{Provider: "generic", Tag: "v3.0.0", Commit: gitCommit},
			gitCalls: []string{"Commit"},
		},
		"blank overrides change nothing": {
			env:  tagBuild,
			o:    Overrides{Branch: Override{"  ", "CONVOX_CI_BRANCH"}, Commit: Override{"", "--commit"}},
			want: summary{Provider: "github", Tag: "v1.0.0", Commit: "abc"},
		},
		"refs/heads/ is stripped from an overridden branch": {
			env:  map[string]string{},
			o:    Overrides{Branch: Override{"refs/heads/main", "CONVOX_CI_BRANCH"}},
			want: summary{Provider: "local", Branch: "main", Commit: gitCommit},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			git := detachedGit()
			if tc.git != nil {
				g := *tc.git
				git = &g
			}
			got, err := DetectWith(t.Context(), envconfig.MapLookuper(tc.env), git, tc.o)
			require.NoError(t, err)
			requireInvariants(t, got)
			require.Equal(t, tc.want, summarise(got))
			for k, v := range tc.sources {
				require.Equal(t, v, got.Sources[k], "source of %s", k)
			}
			if tc.gitCalls != nil {
				require.Equal(t, tc.gitCalls, append([]string{}, git.calls...))
			}
		})
	}
}

// An override that is not a value of its kind is refused, naming where it
// came from, rather than dropped (when git would then name the ref) or read
// as a pull request that never deploys.
func TestOverridesRefused(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CI": "true"}
	tests := map[string]struct {
		o    Overrides
		want string
	}{
		"a pull request that is not a number": {Overrides{PullRequest: Override{"abc", "CONVOX_CI_PULL_REQUEST"}}, "CONVOX_CI_PULL_REQUEST"},
		"a pull request URL without a number": {Overrides{PullRequest: Override{"https://github.com/acme/shop/pulls", "--pull-request"}}, "--pull-request"},
		"a branch that is a pull request ref beside a pull request": {Overrides{Branch: Override{"refs/pull/3/merge", "CONVOX_CI_BRANCH"},
			PullRequest: Override{"3", "CONVOX_CI_PULL_REQUEST"}}, "CONVOX_CI_BRANCH"},
		"a branch that is a tag ref": {Overrides{Branch: Override{"refs/tags/v1.0.0", "--branch"}}, "CONVOX_CI_TAG"},
		// git rev-parse --abbrev-ref HEAD prints HEAD on a detached checkout
		// (tag and pull request builds); git refuses a branch named HEAD.
		"a branch HEAD, from a detached checkout": {Overrides{Branch: Override{"HEAD", "CONVOX_CI_BRANCH"}}, "detached"},
		"a tag that is a branch ref":              {Overrides{Tag: Override{"refs/heads/main", "CONVOX_CI_TAG"}}, "CONVOX_CI_TAG"},
		"a tag that is a remote ref":              {Overrides{Tag: Override{"refs/remotes/origin/v1", "--tag"}}, "--tag"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			git := &fakeGit{commit: gitCommit, branch: "feature"}
			_, err := DetectWith(t.Context(), envconfig.MapLookuper(env), git, tc.o)
			var oe *OverrideError
			require.ErrorAs(t, err, &oe)
			require.Contains(t, err.Error(), tc.want)
		})
	}
}

// "false" (and "0"), how Travis, Buildkite and Bitrise say "not a pull
// request", passed through as CONVOX_CI_PULL_REQUEST, is no pull request:
// the CI's own reading stands.
func TestPullRequestOverrideFalseIsNone(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "master", "BUILDKITE_PULL_REQUEST": "false", "BUILDKITE_COMMIT": "abc"}
	for _, v := range []string{"false", "False", "0"} {
		got, err := DetectWith(t.Context(), envconfig.MapLookuper(env), detachedGit(),
			Overrides{PullRequest: Override{v, "CONVOX_CI_PULL_REQUEST"}})
		require.NoError(t, err)
		require.Equal(t, summary{Provider: "buildkite", Branch: "master", Commit: "abc"}, summarise(got), v)
	}
}
