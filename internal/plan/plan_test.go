package plan

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/cienv"
	"github.com/convox-ci/convox-ci/internal/config"
)

const rules = `app: shop
targets:
  staging:
    branches: [master]
    rack: org/staging
    timeout: 20m
    steps:
      - build
      - run: {service: web, command: bin/migrate, timeout: 5m}
      - promote
  production:
    tags: ["v*"]
    rack: org/production
    app: shop-prod
    steps:
      - import: {from: org/staging}
      - env: {replace: true, values: {NODE_ENV: production, DATABASE_URL: "${DATABASE_URL}"}}
      - promote
      - export: {file: build.tgz}
`

func load(t *testing.T, env map[string]string) *config.File {
	t.Helper()
	f, err := config.Parse("convox-ci.yml", []byte(rules), func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	})
	require.NoError(t, err)
	return f
}

func names(p *Plan) []string {
	var out []string
	for _, s := range p.Steps {
		out = append(out, s.String())
	}
	return out
}

func TestDecide(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": "postgres://db/app"}
	for name, tc := range map[string]struct {
		ci      cienv.Context
		target  string
		rack    string
		app     string
		steps   []string
		timeout time.Duration
	}{
		"a branch build runs the branch's target": {
			ci:     cienv.Context{Provider: "github", Branch: "master", Commit: "0123456789abcdef"},
			target: "staging", rack: "org/staging", app: "shop", timeout: 20 * time.Minute,
			steps: []string{"building", "running web bin/migrate", "promoting"},
		},
		"a tag build runs the tag's target, with its own app": {
			ci:     cienv.Context{Provider: "github", Tag: "v1.2.0", Commit: "0123456789abcdef"},
			target: "production", rack: "org/production", app: "shop-prod",
			steps: []string{"importing the build from org/staging", "setting environment", "promoting", "exporting the build to build.tgz"},
		},
		"another branch deploys nothing": {
			ci: cienv.Context{Provider: "github", Branch: "feature/x"},
		},
		"a pull request deploys nothing": {
			ci: cienv.Context{Provider: "github", Branch: "feature/x", PullRequest: "7", BaseBranch: "master"},
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p, err := Decide(tc.ci, load(t, env), "src")
			require.NoError(t, err)
			require.Equal(t, tc.ci, p.CI)
			require.NotEmpty(t, p.Match.Reason)
			if tc.target == "" {
				require.False(t, p.Deploys())
				require.Empty(t, p.Steps)
				require.Empty(t, p.Rack)
				return
			}
			require.True(t, p.Deploys())
			require.Equal(t, tc.target, p.Match.Target.Name)
			require.Equal(t, tc.rack, p.Rack)
			require.Equal(t, tc.app, p.App)
			require.Equal(t, tc.timeout, p.Timeout)
			require.Equal(t, len(tc.steps), len(p.Steps), "%q", names(p))
			for i, want := range tc.steps {
				require.Contains(t, p.Steps[i].String(), want)
			}
		})
	}
}

func TestDecideErrors(t *testing.T) {
	t.Parallel()
	_, err := Decide(cienv.Context{Provider: "local"}, load(t, nil), ".")
	require.ErrorIs(t, err, config.ErrNoRef, "no branch, tag or pull request")

	p, err := Decide(cienv.Context{Provider: "github", Tag: "v1.0.0"}, load(t, nil), ".")
	var cfg *config.Error
	require.True(t, errors.As(err, &cfg), "a ${VAR} the environment lacks: %v", err)
	require.ErrorContains(t, err, "DATABASE_URL")
	require.NotNil(t, p, "the plan comes with the error, for plan to show")
	require.Equal(t, err, p.Unresolved)
	require.True(t, p.Deploys())
	require.NotEmpty(t, p.Steps)

	p, err = Decide(cienv.Context{Provider: "github", Branch: "master"}, load(t, nil), ".")
	require.NoError(t, err, "the missing variable only matters to the target that uses it")
	require.True(t, p.Deploys())
}

func TestDescription(t *testing.T) {
	t.Parallel()
	for want, c := range map[string]cienv.Context{
		"build 0123456789 branch master ci github https://ci/run/1": {Provider: "github", Commit: "0123456789abcdef", Branch: "master", BuildURL: "https://ci/run/1"},
		"build 0123456789 tag v1.0.0 ci circleci":                   {Provider: "circleci", Commit: "0123456789abcdef", Tag: "v1.0.0", Branch: "master"},
		"build abc branch feature pr #7 ci gitlab":                  {Provider: "gitlab", Commit: "abc", Branch: "feature", PullRequest: "7"},
		"build branch main":                                         {Provider: "local", Branch: "main"},
	} {
		require.Equal(t, want, Description(c))
	}
}
