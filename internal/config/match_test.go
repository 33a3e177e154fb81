package config

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/cienv"
)

func TestMatch(t *testing.T) {
	f, err := Load("testdata/match.yml", nil)
	require.NoError(t, err)
	const allTargets = "hotfix [release/*-hotfix], staging [master, release/*], production [tags v*], previews [master, develop], tagged-staging [main; tags v*-rc*]"

	tests := map[string]struct {
		ctx    cienv.Context
		target string // "" when nothing matches
		also   []string
		reason string
	}{
		"branch": {
			ctx:    cienv.Context{Branch: "release/1.2"},
			target: "staging",
			reason: `branch release/1.2 matches target staging (pattern "release/*")`,
		},
		"several branch matches: the first in the file wins": {
			ctx:    cienv.Context{Branch: "master"},
			target: "staging", also: []string{"previews"},
			reason: `branch master matches target staging (pattern "master"); previews also matches, but the first target in the file wins`,
		},
		"specific target listed first wins": {
			ctx:    cienv.Context{Branch: "release/1.2-hotfix"},
			target: "hotfix", also: []string{"staging"},
			reason: `branch release/1.2-hotfix matches target hotfix (pattern "release/*-hotfix"); staging also matches, but the first target in the file wins`,
		},
		"branch matching nothing": {
			ctx:    cienv.Context{Branch: "feature/x"},
			reason: "branch feature/x matches no target (targets: " + allTargets + ")",
		},
		"star does not cross a slash": {
			ctx:    cienv.Context{Branch: "release/1.2/x"},
			reason: "branch release/1.2/x matches no target (targets: " + allTargets + ")",
		},
		"tag": {
			ctx:    cienv.Context{Tag: "v1.2.3"},
			target: "production",
			reason: `tag v1.2.3 matches target production (pattern "v*")`,
		},
		"several tag matches": {
			ctx:    cienv.Context{Tag: "v2-rc1"},
			target: "production", also: []string{"tagged-staging"},
			reason: `tag v2-rc1 matches target production (pattern "v*"); tagged-staging also matches, but the first target in the file wins`,
		},
		"a tag never matches branch patterns": {
			ctx:    cienv.Context{Tag: "master"},
			reason: "tag master matches no target (targets: " + allTargets + ")",
		},
		"a branch never matches tag patterns": {
			ctx:    cienv.Context{Branch: "v1.0"},
			reason: "branch v1.0 matches no target (targets: " + allTargets + ")",
		},
		"pull request into an opted-in branch": {
			ctx:    cienv.Context{Branch: "feature/x", PullRequest: "12", BaseBranch: "develop"},
			target: "previews",
			reason: `pull request #12 into branch develop matches target previews (pattern "develop")`,
		},
		"pull request matches the base branch, not its own": {
			ctx:    cienv.Context{Branch: "master", PullRequest: "13", BaseBranch: "feature/y"},
			reason: "pull request #13 into branch feature/y matches no target that sets pull_requests: true (targets: previews [master, develop])",
		},
		"pull request skips targets that did not opt in": {
			ctx:    cienv.Context{Branch: "fix", PullRequest: "14", BaseBranch: "master"},
			target: "previews",
			reason: `pull request #14 into branch master matches target previews (pattern "master")`,
		},
		"fork pull request": {
			ctx:    cienv.Context{Branch: "master", PullRequest: "15", BaseBranch: "master", Fork: true},
			reason: "pull requests from forks never deploy (pull request #15 comes from a fork)",
		},
		"pull request whose CI cannot tell a fork": {
			ctx: cienv.Context{Provider: "drone", Branch: "fix", PullRequest: "16", BaseBranch: "master", Fork: true,
				Sources: map[string]string{cienv.FieldFork: cienv.SourceForkAssumed}},
			reason: "pull request #16 does not deploy: drone does not say whether it comes from a fork, so it is treated as one (pull requests from forks never deploy)",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			m, err := f.Match(tc.ctx)
			require.NoError(t, err)
			require.Equal(t, tc.reason, m.Reason)
			require.Equal(t, tc.also, m.Also)
			if tc.target == "" {
				require.Nil(t, m.Target)
				return
			}
			require.NotNil(t, m.Target)
			require.Equal(t, tc.target, m.Target.Name)
		})
	}
}

func TestMatchPullRequestNotOptedIn(t *testing.T) {
	f, err := Parse("convox-ci.yml", yml("app: a", "targets:", "  staging: {branches: [master, \"**\"], rack: r, steps: [deploy]}"), nil)
	require.NoError(t, err)
	for name, c := range map[string]cienv.Context{
		"into master":     {Branch: "feature/x", PullRequest: "7", BaseBranch: "master"},
		"from master":     {Branch: "master", PullRequest: "8", BaseBranch: "develop"},
		"base unknown":    {Branch: "x", PullRequest: "9"},
		"fork, not opted": {Branch: "x", PullRequest: "10", BaseBranch: "master", Fork: true},
	} {
		t.Run(name, func(t *testing.T) {
			m, err := f.Match(c)
			require.NoError(t, err)
			require.Nil(t, m.Target)
			if c.Fork {
				require.Equal(t, "pull requests from forks never deploy (pull request #10 comes from a fork)", m.Reason)
				return
			}
			require.Equal(t, "pull request builds do not deploy: no target sets pull_requests: true", m.Reason)
		})
	}
}

func TestMatchErrors(t *testing.T) {
	f, err := Load("testdata/match.yml", nil)
	require.NoError(t, err)

	_, err = f.Match(cienv.Context{Provider: "generic", Commit: "abc"})
	require.ErrorIs(t, err, ErrNoRef)

	m, err := f.Match(cienv.Context{Provider: "circleci", Branch: "x", PullRequest: "3"})
	require.NoError(t, err, "a pull request whose target branch is unknown matches nothing")
	require.Nil(t, m.Target)
	require.Equal(t, "pull request #3 does not deploy: the CI (circleci) does not say which branch it targets, so pull_requests targets cannot match it", m.Reason)
}

func TestMatchUnresolvedTarget(t *testing.T) {
	data := yml("app: a",
		"targets:",
		"  staging: {branches: [master], rack: org/staging, steps: [deploy]}",
		"  production:",
		"    tags: [v*]",
		"    rack: org/production",
		"    steps:",
		"      - env: {values: {DATABASE_URL: \"${PROD_DATABASE_URL}\"}, promote: true}")
	f, err := Parse("convox-ci.yml", data, env(map[string]string{}))
	require.NoError(t, err, "a variable only the production job has must not fail the staging job")

	m, err := f.Match(cienv.Context{Branch: "master"})
	require.NoError(t, err)
	require.Equal(t, "staging", m.Target.Name)

	m, err = f.Match(cienv.Context{Tag: "v1"})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, "production", m.Target.Name)
	require.Equal(t, `tag v1 matches target production (pattern "v*")`, m.Reason)
	require.Equal(t, "convox-ci.yml:8:39: environment variable PROD_DATABASE_URL (for ${PROD_DATABASE_URL}) is not set; fix: set PROD_DATABASE_URL in the CI's environment (as a secret if it is one), or write $${PROD_DATABASE_URL} for the literal text", err.Error())
}
