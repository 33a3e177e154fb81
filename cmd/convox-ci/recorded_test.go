package main

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The recorded CI environments (internal/cienv/testdata) run through `plan`:
// each CI's push, tag, pull request and fork pull request lands on the
// target the rules say, or on none.
const recordedRules = `app: shop
targets:
  staging:
    branches: [main, master, "release/**"]
    rack: org/staging
    steps: [build, promote]
  production:
    tags: ["v*"]
    rack: org/production
    steps: [{import: {from: org/staging}}, promote]
  previews:
    branches: [main, master]
    pull_requests: true
    rack: org/previews
    steps: [build]
`

func loadEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.Contains(line, "=") {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		env[k] = v
	}
	require.NoError(t, sc.Err())
	return env
}

// noForkSignal lists the CIs that never say whether a pull request comes
// from a fork: their pull requests are treated as forks' and never deploy.
var noForkSignal = map[string]bool{"bitbucket": true, "drone": true, "woodpecker": true, "codebuild": true,
	"cirrus": true, "bamboo": true, "teamcity": true}

func TestRecordedEnvironmentsMatchTheirTarget(t *testing.T) {
	t.Parallel()
	testdata, err := filepath.Abs("../../internal/cienv/testdata")
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join(testdata, "*.env"))
	require.NoError(t, err)
	require.NotEmpty(t, files)

	checked := 0
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".env")
		var want string
		switch {
		case strings.Contains(name, "fork"), name == "github-pull-request-target":
			want = "" // forks never deploy (pull_request_target's event is a fork's)
		case name == "circleci-pull-request":
			want = "" // CircleCI does not say which branch a pull request targets
		case strings.HasSuffix(name, "-pull-request") && noForkSignal[strings.SplitN(name, "-", 2)[0]]:
			want = "" // the CI does not say whether it comes from a fork: treated as one
		case strings.HasSuffix(name, "-tag"):
			want = "production"
		case strings.Contains(name, "pull-request") || strings.Contains(name, "merge-request"):
			want = "previews"
		case strings.HasSuffix(name, "-push"):
			want = "staging"
		default:
			continue // manual, local, git-only: depend on the checkout
		}
		if name == "generic-push" {
			continue // a generic CI names no branch: git decides (tested in internal/cienv)
		}
		checked++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			dir := t.TempDir() // no git here: the CI's variables alone decide
			require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(recordedRules), 0o644))
			e.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
			for k, v := range loadEnvFile(t, file) {
				e.set(k, v)
			}
			for ext, key := range map[string]string{".event.json": "GITHUB_EVENT_PATH", ".properties": "TEAMCITY_BUILD_PROPERTIES_FILE"} {
				if _, err := os.Stat(filepath.Join(testdata, name+ext)); err == nil {
					e.set(key, filepath.Join(testdata, name+ext))
				}
			}
			res := e.run(t, nil, "plan", "--json", dir)
			require.Equal(t, 0, res.code, res.stderr)
			var p map[string]any
			require.NoError(t, json.Unmarshal([]byte(res.stdout), &p))
			require.Equal(t, want, p["target"], "reason: %v; context: %v", p["reason"], res.stdout)
			if want == "" {
				require.NotEmpty(t, p["reason"])
			}
		})
	}
	require.GreaterOrEqual(t, checked, 40)
}
