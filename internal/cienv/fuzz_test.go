package cienv

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
)

// fuzzProviders lists, for each provider, the variables that select it and
// the struct its variables are read into.
var fuzzProviders = []struct {
	name   string
	detect map[string]string
	vars   any
}{
	{"github", map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1"}, githubEnv{}},
	{"gitlab", map[string]string{"GITLAB_CI": "true"}, gitlabEnv{}},
	{"circleci", map[string]string{"CIRCLECI": "true"}, circleciEnv{}},
	{"travis", map[string]string{"TRAVIS": "true"}, travisEnv{}},
	{"buildkite", map[string]string{"BUILDKITE": "true"}, buildkiteEnv{}},
	{"woodpecker", map[string]string{"CI": "woodpecker"}, woodpeckerEnv{}},
	{"drone", map[string]string{"DRONE": "true"}, droneEnv{}},
	{"bitbucket", map[string]string{"BITBUCKET_BUILD_NUMBER": "1"}, bitbucketEnv{}},
	{"azure", map[string]string{"TF_BUILD": "True"}, azureEnv{}},
	{"codebuild", map[string]string{"CODEBUILD_BUILD_ID": "p:1"}, codebuildEnv{}},
	{"bitrise", map[string]string{"BITRISE_IO": "true"}, bitriseEnv{}},
	{"appveyor", map[string]string{"APPVEYOR": "True"}, appveyorEnv{}},
	{"semaphore", map[string]string{"SEMAPHORE": "true"}, semaphoreEnv{}},
	{"codefresh", map[string]string{"CF_BUILD_ID": "1"}, codefreshEnv{}},
	{"cirrus", map[string]string{"CIRRUS_CI": "true"}, cirrusEnv{}},
	{"bamboo", map[string]string{"bamboo_buildKey": "P-J"}, bambooEnv{}},
	{"teamcity", map[string]string{"TEAMCITY_VERSION": "2024.03"}, teamcityEnv{}},
	{"jenkins", map[string]string{"JENKINS_URL": "https://ci/", "BUILD_ID": "1"}, jenkinsEnv{}},
	{"generic", map[string]string{"CI": "true"}, genericEnv{}},
}

// fileVars name files; the fuzzer's file content is written to a temporary
// file and these point at it.
var fileVars = map[string]bool{"GITHUB_EVENT_PATH": true, "TEAMCITY_BUILD_PROPERTIES_FILE": true}

// envKeys lists the env tag names of a provider's struct, in field order.
func envKeys(v any) []string {
	t := reflect.TypeOf(v)
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("env"), ","); k != "" {
			keys = append(keys, k)
		}
	}
	return keys
}

// fuzzEnv builds the environment for provider sel: line i of data is the
// value of its i-th variable; file is the content of any file it names.
func fuzzEnv(t *testing.T, sel uint8, data, file string) (string, map[string]string) {
	p := fuzzProviders[int(sel)%len(fuzzProviders)]
	env := map[string]string{}
	lines := strings.Split(data, "\n")
	for i, k := range envKeys(p.vars) {
		if i < len(lines) {
			env[k] = lines[i]
		}
	}
	for k := range fileVars {
		if _, ok := env[k]; ok {
			path := filepath.Join(t.TempDir(), "file")
			if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
				t.Fatal(err)
			}
			env[k] = path
		}
	}
	for k, v := range p.detect {
		env[k] = v
	}
	return p.name, env
}

// FuzzDetect feeds arbitrary values into one provider's variables (and the
// event or properties file they name) and checks that Detect neither fails
// nor panics and keeps its invariants.
func FuzzDetect(f *testing.F) {
	// Seed with every recorded environment, projected onto its provider.
	files, err := filepath.Glob("testdata/*.env")
	require.NoError(f, err)
	for _, file := range files {
		env, err := parseEnvFile(file)
		require.NoError(f, err)
		i := fuzzIndex(env)
		if i < 0 {
			continue
		}
		var lines []string
		for _, k := range envKeys(fuzzProviders[i].vars) {
			lines = append(lines, env[k])
		}
		content := ""
		base := strings.TrimSuffix(file, ".env")
		for _, ext := range []string{".event.json", ".properties"} {
			if b, err := os.ReadFile(base + ext); err == nil {
				content = string(b)
			}
		}
		f.Add(uint8(i), strings.Join(lines, "\n"), content)
	}
	f.Add(uint8(0), "refs/heads/refs/tags/x\nrefs/tags/\n\nrefs/heads/\nrefs/pull/1/merge", `{"pull_request":{"head":{"repo":null}}}`)
	f.Add(uint8(4), "owner:\n:\n \n refs/pull/x \nfalse", "")
	f.Add(uint8(16), "", "teamcity.build.branch=refs/heads/\\\n")
	f.Fuzz(func(t *testing.T, sel uint8, data, file string) {
		name, env := fuzzEnv(t, sel, data, file)
		got, err := Detect(t.Context(), envconfig.MapLookuper(env), detachedGit())
		require.NoError(t, err)
		if name != "generic" {
			require.Equal(t, name, got.Provider)
		}
		requireInvariants(t, got)
	})
}

// fuzzIndex returns the index in fuzzProviders of the provider that
// recognises env, -1 for none.
func fuzzIndex(env map[string]string) int {
	l := envconfig.MapLookuper(env)
	for _, p := range providers {
		if !p.Detect(l) {
			continue
		}
		for i, fp := range fuzzProviders {
			if fp.name == p.Name() {
				return i
			}
		}
	}
	return -1
}

// FuzzOverrides: whatever the overrides say, Detect keeps its invariants,
// refuses only with an *OverrideError, and a pull request the CI reports
// from a fork stays a fork's pull request (it never deploys).
func FuzzOverrides(f *testing.F) {
	f.Add("main", "", "", "")
	f.Add("", "v1.0.0", "", "abc")
	f.Add("pull/42", "", "", "")
	f.Add("refs/pull/3/merge", "v1", "7", "")
	f.Add("refs/tags/v1", "refs/heads/x", "https://github.com/a/b/pull/9", "")
	f.Add("master", "", "false", "")
	forkPR := map[string]string{"TRAVIS": "true", "TRAVIS_BRANCH": "main", "TRAVIS_PULL_REQUEST": "7",
		"TRAVIS_PULL_REQUEST_BRANCH": "patch", "TRAVIS_PULL_REQUEST_SLUG": "someone/webapp", "TRAVIS_REPO_SLUG": "acme/webapp",
		"TRAVIS_COMMIT": "abc"}
	f.Fuzz(func(t *testing.T, branch, tag, pr, commit string) {
		o := Overrides{Branch: Override{branch, "CONVOX_CI_BRANCH"}, Tag: Override{tag, "CONVOX_CI_TAG"},
			PullRequest: Override{pr, "CONVOX_CI_PULL_REQUEST"}, Commit: Override{commit, "CONVOX_CI_COMMIT"}}
		for _, env := range []map[string]string{forkPR, {"CI": "true"}} {
			got, err := DetectWith(t.Context(), envconfig.MapLookuper(env), detachedGit(), o)
			if err != nil {
				var oe *OverrideError
				require.ErrorAs(t, err, &oe)
				continue
			}
			requireInvariants(t, got)
			if env["TRAVIS"] != "" {
				require.Equal(t, "7", got.PullRequest)
				require.True(t, got.Fork)
			}
		}
	})
}
