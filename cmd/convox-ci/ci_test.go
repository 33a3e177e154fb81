package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

const rules = `app: myapp
targets:
  staging:
    branches: [master]
    rack: org/staging
    steps:
      - build
      - run: {service: web, command: bin/migrate}
      - promote
  production:
    tags: ["v*"]
    rack: org/production
    steps:
      - import: {from: org/staging}
      - env: {replace: true, values: {NODE_ENV: production, DATABASE_URL: "${DATABASE_URL}"}}
      - promote
`

const (
	testSha     = "0123456789abcdef0123456789abcdef01234567"
	databaseURL = "postgres://user:db-secret-77aa@db.internal/app"
)

// repo is a checkout with the rules file, named in the environment
// (CONVOX_CI_CONFIG); pass the directory to ci and plan.
func repo(t *testing.T, e *testEnv) string {
	t.Helper()
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	e.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	return dir
}

// github sets the environment of a GitHub Actions push job and returns
// the output files.
func github(t *testing.T, e *testEnv, ref string) (output, summary string) {
	t.Helper()
	dir := t.TempDir()
	output, summary = filepath.Join(dir, "output"), filepath.Join(dir, "summary")
	t.Cleanup(func() { canary.file(output); canary.file(summary) })
	for k, v := range map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": ref, "GITHUB_SHA": testSha,
		"GITHUB_REPOSITORY": "acme/shop", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_RUN_ID": "42",
		"GITHUB_OUTPUT": output, "GITHUB_STEP_SUMMARY": summary, "DATABASE_URL": databaseURL,
	} {
		e.set(k, v)
	}
	return output, summary
}

func consoleRack(t *testing.T) *testEnv {
	t.Helper()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}})
	rk.set("CONVOX_APP", "")
	return rk
}

// withoutMasks drops GitHub's ::add-mask:: lines, the one place a secret
// is written on purpose (so that GitHub hides it).
func withoutMasks(s string) string {
	var kept []string
	for _, line := range strings.Split(s, "\n") {
		if !strings.HasPrefix(line, "::add-mask::") {
			kept = append(kept, line)
		}
	}
	return strings.Join(kept, "\n")
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}

func TestCIOnMasterBuildsMigratesAndPromotesOnStaging(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	output, summary := github(t, rk, "refs/heads/master")

	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)

	staging := rk.sim.Rack("org/staging")
	builds := staging.Builds("myapp")
	require.Equal(t, testSha, builds[0].GitSha, "the build records the commit so it can be found again")
	require.Contains(t, builds[0].Description, "0123456789")
	require.Contains(t, builds[0].Description, "branch master")
	require.Contains(t, builds[0].Description, "https://github.com/acme/shop/actions/runs/42")
	promos := staging.Promotions("myapp")
	require.Equal(t, builds[0].Release, promos[len(promos)-1])
	require.Contains(t, res.stdout, "running: bin/migrate")
	require.Len(t, rk.sim.Rack("org/production").Builds("myapp"), 1, "production untouched (only its seeded build)")

	out := readFile(t, output)
	require.Contains(t, out, "build_id="+builds[0].ID+"\n")
	require.Contains(t, out, "release_id="+builds[0].Release+"\n")
	require.Contains(t, out, "rack=org/staging\n")
	require.Contains(t, out, "target=staging\n")
	require.Contains(t, readFile(t, summary), "| Release | "+builds[0].Release+" |")
	require.Contains(t, res.stderr, "::add-mask::"+testPassword)
	group := strings.Index(res.stderr, "::group::build "+builds[0].ID+" log\n")
	line := strings.Index(res.stderr, "Step 1/2 : FROM scratch")
	end := strings.Index(res.stderr, "::endgroup::\n")
	require.True(t, group >= 0 && group < line && line < end, "build log lines are folded in a group")
}

func TestCIOnATagImportsTheStagingBuildOfThatCommitIntoProduction(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	github(t, rk, "refs/heads/master")
	require.Equal(t, 0, rk.run(t, nil, "ci", dir).code)
	stagingBuild := rk.sim.Rack("org/staging").Builds("myapp")[0]

	github(t, rk, "refs/tags/v1.0.0")
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)

	prod := rk.sim.Rack("org/production")
	imported := prod.Builds("myapp")[0]
	require.Equal(t, stagingBuild.Description, imported.Description, "the very build, imported")
	app, _ := prod.App("myapp")
	rel := prod.Releases("myapp")[0]
	require.Equal(t, app.Release, rel.ID, "the env release is the one promoted")
	require.Equal(t, "DATABASE_URL="+databaseURL+"\nNODE_ENV=production", rel.Env, "env set --replace sends exactly the given set")
	require.Equal(t, imported.ID, rel.Build)
	require.NotContains(t, withoutMasks(res.stderr), databaseURL)
	require.Contains(t, res.stderr, "::add-mask::"+databaseURL)
}

func TestCIWithNoMatchingTargetExits0AndSaysWhy(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	github(t, rk, "refs/heads/feature/x")
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stderr, "nothing to deploy")
	require.Contains(t, res.stderr, "feature/x")
	require.Empty(t, rk.sim.Requests(), "nothing sent")
}

func TestCIOnAPullRequestDeploysNothing(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	github(t, rk, "refs/pull/7/merge")
	rk.set("GITHUB_EVENT_NAME", "pull_request")
	rk.set("GITHUB_BASE_REF", "master")
	rk.set("GITHUB_HEAD_REF", "feature/y")
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, strings.ToLower(res.stderr), "pull request")
	require.Empty(t, rk.sim.Requests())
}

func TestCIWithAMissingVariableFailsBeforeAnythingRuns(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	github(t, rk, "refs/tags/v1.0.0")
	rk.set("DATABASE_URL", "")
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "DATABASE_URL")
	require.Contains(t, res.stderr, "convox-ci.yml:")
	require.Empty(t, rk.sim.Requests())
}

func TestPlanJSONShowsTheDecisionAndSendsNothing(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	github(t, rk, "refs/heads/master")
	res := rk.run(t, nil, "plan", "--json", dir)
	require.Equal(t, 0, res.code, res.stderr)
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &p))
	require.Equal(t, "github", p["provider"])
	require.Equal(t, "master", p["branch"])
	require.Equal(t, testSha, p["commit"])
	require.Equal(t, "staging", p["target"])
	require.Equal(t, "org/staging", p["rack"])
	require.Equal(t, "myapp", p["app"])
	require.Equal(t, []any{"building", "running web bin/migrate", "promoting"}, p["steps"])
	require.Equal(t, "GITHUB_REF", p["sources"].(map[string]any)["branch"])
	require.Empty(t, rk.sim.Requests())
}

func TestPlanHumanNamesTheSources(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	github(t, rk, "refs/heads/feature/x")
	res := rk.run(t, nil, "plan", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "feature/x  (from GITHUB_REF)")
	require.Contains(t, res.stdout, "Nothing to deploy")
}

func TestCIResultFileAndCircleCIExports(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	out := t.TempDir()
	bashEnv, resultFile := filepath.Join(out, "bash_env"), filepath.Join(out, "result.json")
	t.Cleanup(func() { canary.file(bashEnv); canary.file(resultFile) })
	for k, v := range map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "master", "CIRCLE_SHA1": testSha, "BASH_ENV": bashEnv} {
		rk.set(k, v)
	}
	res := rk.run(t, nil, "ci", "--result-file", resultFile, dir)
	require.Equal(t, 0, res.code, res.stderr)
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(readFile(t, resultFile)), &r))
	require.Equal(t, "succeeded", r["status"])
	require.Equal(t, "staging", r["target"])
	require.NotEmpty(t, r["release_id"])
	require.Contains(t, readFile(t, bashEnv), "export CONVOX_RELEASE_ID="+r["release_id"].(string)+"\n")
}
