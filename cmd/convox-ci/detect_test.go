package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// planJSONFor runs `plan --json` in a directory holding rules and returns
// the decision.
func planJSONFor(t *testing.T, e *testEnv, dir, rules string, args ...string) (map[string]any, result) {
	t.Helper()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	e.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	res := e.run(t, nil, append([]string{"plan", "--json"}, append(args, dir)...)...)
	require.Equal(t, 0, res.code, res.stderr)
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &p), res.stdout)
	return p, res
}

func setAll(e *testEnv, vars map[string]string) {
	for k, v := range vars {
		e.set(k, v)
	}
}

// A Jenkins GitLab-plugin merge request is pull request N (its IID), matched
// on its target branch; a fork's never matches.
func TestPlanJenkinsGitLabMergeRequest(t *testing.T) {
	t.Parallel()
	mr := map[string]string{"JENKINS_URL": "https://ci.acme.dev/", "BUILD_ID": "12", "GIT_BRANCH": "origin/feature-x",
		"GIT_COMMIT": testSha, "gitlabActionType": "MERGE", "gitlabMergeRequestIid": "42", "gitlabMergeRequestId": "90042",
		"gitlabSourceBranch": "feature-x", "gitlabTargetBranch": "master",
		"gitlabSourceRepoHomepage": "https://gitlab.com/acme/shop", "gitlabTargetRepoHomepage": "https://gitlab.com/acme/shop"}

	e := newEnv(t)
	setAll(e, mr)
	p, _ := planJSONFor(t, e, t.TempDir(), recordedRules)
	require.Equal(t, "42", p["pull_request"])
	require.Equal(t, "feature-x", p["branch"])
	require.Equal(t, "master", p["base_branch"])
	require.Equal(t, false, p["fork"])
	require.Equal(t, "previews", p["target"], "a branch build of feature-x would match nothing; the merge request matches previews")
	require.Equal(t, "gitlabMergeRequestIid", p["sources"].(map[string]any)["pull_request"])

	fork := newEnv(t)
	setAll(fork, mr)
	fork.set("gitlabSourceRepoHomepage", "https://gitlab.com/someone/shop")
	p, _ = planJSONFor(t, fork, t.TempDir(), `app: shop
targets:
  everything:
    branches: ["**"]
    pull_requests: true
    rack: org/staging
    steps: [build]
`)
	require.Equal(t, "42", p["pull_request"])
	require.Equal(t, true, p["fork"])
	require.Equal(t, "", p["target"], "a fork's merge request never deploys, even where every branch does")
	require.Contains(t, p["reason"], "from a fork")
}

// Jenkins' Git plugin reports a tag build as origin/tags/X.
func TestPlanJenkinsTagBuild(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	setAll(e, map[string]string{"JENKINS_URL": "https://ci.acme.dev/", "BUILD_ID": "13", "GIT_BRANCH": "origin/tags/v1.2.0", "GIT_COMMIT": testSha})
	p, _ := planJSONFor(t, e, t.TempDir(), `app: shop
targets:
  staging: {branches: ["**"], rack: org/staging, steps: [build]}
  production: {tags: ["v*"], rack: org/production, steps: [{import: {from: org/staging}}, promote]}
`)
	require.Equal(t, "v1.2.0", p["tag"])
	require.Equal(t, "", p["branch"])
	require.Equal(t, "production", p["target"], "not the branches: [\"**\"] target")
}

// Each of the six CIs added is detected, with its pull request and fork
// signals; a Semaphore pull request from a fork never matches.
func TestPlanSemaphoreForkPullRequest(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	setAll(e, map[string]string{"SEMAPHORE": "true", "SEMAPHORE_GIT_REF_TYPE": "pull-request", "SEMAPHORE_GIT_BRANCH": "master",
		"SEMAPHORE_GIT_PR_BRANCH": "patch-1", "SEMAPHORE_GIT_PR_NUMBER": "58", "SEMAPHORE_GIT_PR_SLUG": "someone/shop",
		"SEMAPHORE_GIT_REPO_SLUG": "acme/shop", "SEMAPHORE_GIT_SHA": testSha})
	p, _ := planJSONFor(t, e, t.TempDir(), recordedRules)
	require.Equal(t, "semaphore", p["provider"])
	require.Equal(t, "58", p["pull_request"])
	require.Equal(t, true, p["fork"])
	require.Equal(t, "", p["target"])
	require.Equal(t, "SEMAPHORE_GIT_PR_SLUG+SEMAPHORE_GIT_REPO_SLUG", p["sources"].(map[string]any)["fork"])

	same := newEnv(t)
	setAll(same, map[string]string{"SEMAPHORE": "true", "SEMAPHORE_GIT_REF_TYPE": "pull-request", "SEMAPHORE_GIT_BRANCH": "master",
		"SEMAPHORE_GIT_PR_BRANCH": "feature", "SEMAPHORE_GIT_PR_NUMBER": "57", "SEMAPHORE_GIT_PR_SLUG": "acme/shop",
		"SEMAPHORE_GIT_REPO_SLUG": "acme/shop", "SEMAPHORE_GIT_SHA": testSha})
	p, _ = planJSONFor(t, same, t.TempDir(), recordedRules)
	require.Equal(t, "previews", p["target"], "the same pull request from the repository itself matches")
}

// gitCheckout makes a checkout of branch master with one commit tagged v1.0.0.
func gitCheckout(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	for _, args := range [][]string{{"init", "-q", "-b", "master"}, {"add", "-A"}, {"commit", "-q", "-m", "first"}, {"tag", "v1.0.0"}} {
		if args[0] == "add" {
			require.NoError(t, os.WriteFile(filepath.Join(dir, "README"), []byte("hi\n"), 0o644))
		}
		cmd := exec.Command("git", append([]string{"-C", dir, "-c", "user.name=T", "-c", "user.email=t@example.com",
			"-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	return dir
}

// drone exec --event tag names no tag: the tag at HEAD wins over git's
// branch, so the v* target runs, not master's.
func TestPlanDroneTagEventWithoutTag(t *testing.T) {
	t.Parallel()
	examples, err := os.ReadFile("../../examples/convox-ci.yml")
	require.NoError(t, err)
	e := newEnv(t)
	setAll(e, map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "tag", "DATABASE_URL": "postgres://db"})
	p, _ := planJSONFor(t, e, gitCheckout(t), string(examples))
	require.Equal(t, "v1.0.0", p["tag"])
	require.Equal(t, "", p["branch"])
	require.Equal(t, "production", p["target"])
	require.Equal(t, "git", p["sources"].(map[string]any)["tag"])
}

// CONVOX_CI_* and the flags on ci and plan replace detection, and plan names
// them as the source.
func TestPlanOverrides(t *testing.T) {
	t.Parallel()
	branchBuild := map[string]string{"CIRCLECI": "true", "CIRCLE_BRANCH": "master", "CIRCLE_SHA1": testSha}

	e := newEnv(t)
	setAll(e, branchBuild)
	e.set("CONVOX_CI_TAG", "v9.0.0")
	p, _ := planJSONFor(t, e, t.TempDir(), recordedRules)
	require.Equal(t, "production", p["target"])
	require.Equal(t, "CONVOX_CI_TAG", p["sources"].(map[string]any)["tag"])

	flag := newEnv(t)
	setAll(flag, branchBuild)
	flag.set("CONVOX_CI_TAG", "v9.0.0")
	p, _ = planJSONFor(t, flag, t.TempDir(), recordedRules, "--branch", "release/2", "--commit", "feedface")
	require.Equal(t, "staging", p["target"], "the flag wins over the variable, and a branch over the CI's")
	require.Equal(t, "", p["tag"], "a branch given replaces every ref the CI or a variable named")
	require.Equal(t, "feedface", p["commit"])
	sources := p["sources"].(map[string]any)
	require.Equal(t, "--branch", sources["branch"])
	require.Equal(t, "--commit", sources["commit"])

	pr := newEnv(t)
	setAll(pr, branchBuild)
	pr.set("CONVOX_CI_PULL_REQUEST", "https://github.com/acme/shop/pull/77")
	pr.set("CONVOX_CI_BRANCH", "feature")
	p, _ = planJSONFor(t, pr, t.TempDir(), recordedRules)
	require.Equal(t, "77", p["pull_request"])
	require.Equal(t, true, p["fork"])
	require.Equal(t, "", p["target"])
	require.Contains(t, p["reason"], "does not say whether it comes from a fork")
	require.Contains(t, p["reason"], "CONVOX_CI_PULL_REQUEST does not say", "CircleCI did not name this pull request: the variable did")
	require.NotContains(t, p["reason"], "circleci does not say")

	text := newEnv(t)
	setAll(text, branchBuild)
	require.NoError(t, os.WriteFile(filepath.Join(t.TempDir(), "x"), nil, 0o644))
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(recordedRules), 0o644))
	text.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	res := text.run(t, nil, "plan", "--tag", "v2.0.0", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "v2.0.0  (from --tag)")
}

// README: pull requests from forks never deploy. A CONVOX_CI_BRANCH or
// --tag passed on every build (CONVOX_CI_BRANCH=$CI_BRANCH) does not turn a
// fork's pull request into a branch or tag build, and TeamCity's branch of
// a pull request passed on as the branch is that pull request.
func TestOverridesNeverDeployAForkPullRequest(t *testing.T) {
	t.Parallel()
	forkPR := map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "master", "TRAVIS_PULL_REQUEST": "7",
		"TRAVIS_PULL_REQUEST_BRANCH": "master", "TRAVIS_PULL_REQUEST_SLUG": "someone/shop", "TRAVIS_REPO_SLUG": "acme/shop",
		"TRAVIS_COMMIT": testSha}
	e := newEnv(t)
	setAll(e, forkPR)
	e.set("CONVOX_CI_BRANCH", "master")
	p, _ := planJSONFor(t, e, t.TempDir(), recordedRules)
	require.Equal(t, "", p["target"])
	require.Equal(t, "7", p["pull_request"])
	require.Contains(t, p["reason"], "from a fork")

	p, _ = planJSONFor(t, e, t.TempDir(), recordedRules, "--tag", "v9.9.9")
	require.Equal(t, "", p["target"])
	require.Equal(t, "", p["tag"])

	tc := newEnv(t)
	tc.set("CI", "true")
	tc.set("CONVOX_CI_BRANCH", "pull/42")
	p, _ = planJSONFor(t, tc, t.TempDir(), recordedRules)
	require.Equal(t, "", p["target"])
	require.Equal(t, "42", p["pull_request"])
	require.Equal(t, "CONVOX_CI_BRANCH", p["sources"].(map[string]any)["pull_request"])
}

// An override that is not a value of its kind is a usage error (exit 2)
// naming it, for plan, ci and build alike, and nothing reaches the Rack; it
// is never dropped for git's branch nor read as a pull request that never
// deploys. "false" as the pull request is none, as CIs write it.
func TestBadOverridesAreUsageErrors(t *testing.T) {
	t.Parallel()
	branchBuild := map[string]string{"BUILDKITE": "true", "BUILDKITE_BRANCH": "master", "BUILDKITE_PULL_REQUEST": "false", "BUILDKITE_COMMIT": testSha}
	for _, bad := range []struct{ name, value, says string }{
		{"CONVOX_CI_PULL_REQUEST", "abc", "is not a pull request"},
		{"CONVOX_CI_BRANCH", "refs/tags/v1.0.0", "CONVOX_CI_TAG"},
		{"CONVOX_CI_TAG", "refs/heads/master", "CONVOX_CI_BRANCH"},
	} {
		for _, verb := range []string{"plan", "ci", "build"} {
			rk := newRack(t, racksim.Options{})
			setAll(rk, branchBuild)
			dir := appDir(t)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(recordedRules), 0o644))
			rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
			rk.set(bad.name, bad.value)
			res := rk.run(t, nil, verb, dir)
			require.Equal(t, 2, res.code, "%s with %s=%s: %s", verb, bad.name, bad.value, res.stderr)
			require.Contains(t, res.stderr, bad.name)
			require.Contains(t, res.stderr, bad.says)
			require.Empty(t, rk.sim.Requests(), "%s sent requests", verb)
		}
	}

	e := newEnv(t)
	setAll(e, branchBuild)
	e.set("CONVOX_CI_PULL_REQUEST", "false")
	p, _ := planJSONFor(t, e, t.TempDir(), recordedRules)
	require.Equal(t, "", p["pull_request"])
	require.Equal(t, "master", p["branch"])
	require.Equal(t, "staging", p["target"])
}

// On a CI convox-ci does not know, plan and ci warn that pull requests and
// forks cannot be recognised.
func TestUnknownCIWarns(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.set("CI", "true")
	e.set("CONVOX_CI_BRANCH", "feature")
	p, _ := planJSONFor(t, e, t.TempDir(), recordedRules)
	require.Equal(t, "generic", p["provider"])
	require.Contains(t, p["warnings"].([]any)[0], "pull requests and forks cannot be recognised")

	res := e.run(t, nil, "ci", filepath.Dir(e.getenv("CONVOX_CI_CONFIG")))
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stderr, "pull requests and forks cannot be recognised")

	known := newEnv(t)
	setAll(known, map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "feature", "TRAVIS_PULL_REQUEST": "false", "TRAVIS_COMMIT": testSha})
	p, _ = planJSONFor(t, known, t.TempDir(), recordedRules)
	require.Nil(t, p["warnings"])
}

// When git cannot be read, the error says git's own reason.
func TestPlanSaysWhyGitFailed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.set("CI", "true")
	e.set("GIT_CEILING_DIRECTORIES", os.TempDir())
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(recordedRules), 0o644))
	e.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	res := e.run(t, nil, "plan", dir)
	require.Equal(t, 2, res.code, res.stdout)
	require.Contains(t, res.stderr, "git could not tell")
	require.Contains(t, res.stderr, "not a git repository")
	require.True(t, strings.Contains(res.stderr, "CONVOX_CI_BRANCH"), res.stderr)
}

// build and deploy take CONVOX_CI_* too: the build carries the commit given.
func TestBuildCarriesTheOverriddenCommit(t *testing.T) {
	t.Parallel()
	const given = "fedcba9876543210fedcba9876543210fedcba98"
	rk := newRack(t, racksim.Options{})
	rk.set("CIRCLECI", "true")
	rk.set("CIRCLE_BRANCH", "master")
	rk.set("CIRCLE_SHA1", testSha)
	rk.set("CONVOX_CI_COMMIT", given)
	rk.set("CONVOX_CI_TAG", "v4.0.0")
	res := rk.run(t, nil, "build", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	built := rk.sim.Rack("").Builds(testApp)[0]
	require.Contains(t, built.Description, "commit="+given)
	require.Contains(t, built.Description, "tag v4.0.0")
	require.NotContains(t, built.Description, testSha)
}
