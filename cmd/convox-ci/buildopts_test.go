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

const buildOptionRules = `app: myapp
targets:
  staging:
    branches: [master]
    rack: org/staging
    steps:
      - deploy:
          manifest: convox.yml
          no_cache: true
          description: nightly of ${GITHUB_RUN_ID}
          build_args: {NODE_ENV: production, NPM_TOKEN: "${NPM_TOKEN}"}
`

// The rules file's build options reach the Rack as the build command's
// flags do; a given description keeps convox-ci's tag (marker, commit)
// after it.
func TestRulesFileBuildOptionsReachTheRack(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(buildOptionRules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	github(t, rk, "refs/heads/master")
	rk.set("NPM_TOKEN", envSecretA)

	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	var form map[string][]string
	for _, r := range rk.sim.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/builds") {
			form = r.Form
		}
	}
	require.NotNil(t, form, "a build was created")
	require.Equal(t, []string{"convox.yml"}, form["manifest"])
	require.Equal(t, []string{"true"}, form["no-cache"])
	require.Equal(t, []string{"NODE_ENV=production,NPM_TOKEN=" + envSecretA}, form["build-args"])
	desc := form["description"][0]
	require.True(t, strings.HasPrefix(desc, "nightly of 42 [convox-ci:"), desc)
	require.Contains(t, desc, "commit="+testSha)
	require.NotContains(t, withoutMasks(res.stderr), envSecretA, "a build arg from a secret is masked and never logged")
	require.Contains(t, res.stderr, "::add-mask::"+envSecretA)
}

// A build arg whose value holds a comma would arrive cut in two: refused
// before anything is sent.
func TestBuildArgWithACommaExits2AndSendsNothing(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "build", "--build-args", "LIST=a,b", appDir(t))
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "commas")
	require.Empty(t, rk.sim.Requests())
}

const previewRules = `app: myapp
targets:
  production:
    tags: ["v*"]
    rack: org/production
    steps:
      - deploy: {manifest: convox.yml, no_cache: true, build_args: {NPM_TOKEN: "${NPM_TOKEN}"}}
      - env: {replace: true, values: {DATABASE_URL: "${DATABASE_URL}"}}
      - promote
`

// plan is a preview, often run where the CI's secrets are not set: a
// ${VAR} unset here is named, with where ci would stop, and plan exits 0;
// --strict exits 2 as ci does.
func TestPlanPreviewsAnUnsetVariable(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(previewRules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	github(t, rk, "refs/tags/v1.2.3")
	rk.set("DATABASE_URL", "")
	rk.set("NPM_TOKEN", envSecretA)

	res := rk.run(t, nil, "plan", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Target production: app myapp on rack org/production")
	require.Contains(t, res.stdout, "1. building (manifest convox.yml; no cache; build args NPM_TOKEN)")
	require.Contains(t, res.stdout, "ci would stop here, before sending anything (exit 2):")
	require.Contains(t, res.stdout, "environment variable DATABASE_URL (for ${DATABASE_URL}) is not set")
	require.NotContains(t, res.stdout, envSecretA)

	res = rk.run(t, nil, "plan", "--json", dir)
	require.Equal(t, 0, res.code, res.stderr)
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(res.stdout), &p))
	require.Contains(t, p["unresolved"], "DATABASE_URL")
	require.Equal(t, "production", p["target"])

	res = rk.run(t, nil, "plan", "--strict", dir)
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "DATABASE_URL")

	res = rk.run(t, nil, "ci", dir)
	require.Equal(t, 2, res.code, "ci still stops: %s", res.stderr)
	require.Empty(t, rk.sim.Requests(), "nothing was sent")
}

// The rules file's top-level app is every target's app that names none:
// a ${VAR} in it that is unset here is previewed as a target's own is
// (plan exits 0 naming it; ci stops there, exit 2, nothing sent), and a
// target with an app of its own, or a build no target matches, does not
// need it.
func TestPlanPreviewsAnUnsetTopLevelApp(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := appDir(t)
	rules := `app: ${APP_NAME}
targets:
  staging:
    branches: [master]
    rack: org/staging
    steps: [deploy]
  production:
    tags: ["v*"]
    rack: org/production
    app: myapp
    steps: [deploy]
`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	rk.set("APP_NAME", "")
	github(t, rk, "refs/heads/master")

	res := rk.run(t, nil, "plan", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Target staging: app (unset here) on rack org/staging\n", "the app is shown as unset")
	require.Contains(t, res.stdout, "ci would stop here, before sending anything (exit 2):")
	require.Contains(t, res.stdout, "convox-ci.yml:1:6: environment variable APP_NAME (for ${APP_NAME}) is not set")

	res = rk.run(t, nil, "plan", "--strict", dir)
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "APP_NAME")
	res = rk.run(t, nil, "ci", dir)
	require.Equal(t, 2, res.code, "ci stops: %s", res.stderr)
	require.Contains(t, res.stderr, "APP_NAME")
	require.Empty(t, rk.sim.Requests(), "nothing was sent")

	github(t, rk, "refs/tags/v1.2.3") // production names its own app
	res = rk.run(t, nil, "plan", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Target production: app myapp on rack org/production")
	require.NotContains(t, res.stdout, "ci would stop here")

	github(t, rk, "refs/heads/feature") // nothing matches: nothing to do
	res = rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Empty(t, rk.sim.Requests(), "nothing was sent")
}
