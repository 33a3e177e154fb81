package main

import (
	"encoding/json"
	"fmt"
	"github.com/convox-ci/convox-ci/internal/report"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// Hostile canaries (canary_test.go checks every run for every form of them).
const (
	// hostilePassword mixes every escape class: JSON and Go quoting, HTML
	// escapes, URL escapes and non-ASCII.
	hostilePassword = `pa<ss"wo\rd&1%40:/é`
	// zeroWidthKey hides a zero-width space, a line separator and a
	// no-break space (characters a header may carry; a control character
	// may not, report's tests cover those).
	zeroWidthKey = "zw\u200bkey\u2028sep\u00a0-42"
	// multiLineKey spans lines: each line is a secret of its own.
	multiLineKey = "-----BEGIN TEST KEY-----\nline-two-secret-xyz\n-----END TEST KEY-----"
	// rackURLKey rides in a RACK_URL or CONVOX_HOST, never in CONVOX_PASSWORD.
	rackURLKey = "rack-url-key-31415"
)

// requireNoForm checks that no line of out (but GitHub's ::add-mask:: lines)
// holds any form of any of secrets.
func requireNoForm(t *testing.T, name, out string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, form := range canaryForms(s) {
			require.NotContains(t, withoutMasks(out), form, "%s carries a form of %q", name, s)
		}
	}
}

// The CircleCI orb: build, then env set with a value equal to a word our
// outputs' keys hold (RELEASE), then promote "$CONVOX_RELEASE_ID" with
// $BASH_ENV sourced before each step as CircleCI does: the env release is the
// one promoted, and $BASH_ENV's keys are never rewritten.
func TestCircleCIOrbBuildEnvPromotePromotesTheEnvRelease(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	script, err := filepath.Abs("../../orbs/src/scripts/convox-ci.sh")
	require.NoError(t, err)
	rk := consoleRack(t)
	dir := repo(t, rk)
	shim := filepath.Join(t.TempDir(), "convox-ci")
	require.NoError(t, os.WriteFile(shim, []byte("#!/bin/sh\nexec "+os.Args[0]+" \"$@\"\n"), 0o755))
	bashEnv := filepath.Join(t.TempDir(), "bash_env")
	require.NoError(t, os.WriteFile(bashEnv, nil, 0o644))
	t.Cleanup(func() { canary.file(bashEnv) })
	base := map[string]string{
		"CIRCLECI": "true", "CIRCLE_BRANCH": "master", "CIRCLE_SHA1": testSha, "BASH_ENV": bashEnv,
		"MY_HOST": rk.url, "MY_KEY": testPassword, "CONVOX_CI_BIN": shim, "CONVOX_CI_LOG_FORMAT": "json",
		"PARAM_HOST_ENV": "MY_HOST", "PARAM_PASSWORD_ENV": "MY_KEY", "PARAM_RACK": "org/staging", "PARAM_APP": testApp,
	}
	step := func(params map[string]string) result {
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		for k, v := range params {
			env[k] = v
		}
		return rk.runProcess(t, dir, env, "bash", "-c", `. "$BASH_ENV"; exec bash "$0"`, script)
	}
	build := step(map[string]string{"PARAM_VERB": "build", "PARAM_DIR": "."})
	require.Equal(t, 0, build.code, build.stderr)
	env := step(map[string]string{"PARAM_VERB": "env", "PARAM_VARS": "BUILD_MODE=RELEASE"})
	require.Equal(t, 0, env.code, env.stderr)
	promote := step(map[string]string{"PARAM_VERB": "promote"})
	require.Equal(t, 0, promote.code, promote.stderr)

	staging := rk.sim.Rack("org/staging")
	envRelease := staging.Releases(testApp)[0]
	require.Equal(t, "BUILD_MODE=RELEASE", envRelease.Env)
	require.NotEqual(t, staging.Builds(testApp)[0].Release, envRelease.ID)
	app, _ := staging.App(testApp)
	require.Equal(t, envRelease.ID, app.Release, "the env release is live, not the build's")

	exports := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(readFile(t, bashEnv)), "\n") {
		m := regexp.MustCompile(`^export (CONVOX_[A-Z_]+)=('[^']*'|[^\s'"]+)$`).FindStringSubmatch(line)
		require.NotNil(t, m, "a $BASH_ENV line is rewritten: %q", line)
		exports[m[1]] = strings.Trim(m[2], "'")
	}
	require.Contains(t, exports, "CONVOX_BUILD_ID")
	require.Contains(t, exports, "CONVOX_STATUS")
	require.Equal(t, envRelease.ID, exports["CONVOX_RELEASE_ID"], "the last export is the env release")
}

// exampleRepo is a checkout with examples/convox-ci.yml as its rules file,
// on a Console with org/staging and org/production holding its app.
func exampleRepo(t *testing.T) (*testEnv, string) {
	t.Helper()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}, Apps: []string{"example-app"}})
	rk.set("CONVOX_APP", "")
	rules, err := os.ReadFile("../../examples/convox-ci.yml")
	require.NoError(t, err)
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), rules, 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	return rk, dir
}

// A tag build of the example writes its outputs as they are, even when a
// secret equals one of them: outputs are values, never rewritten.
func TestTagBuildOfTheExampleWritesRackAndTargetOutputs(t *testing.T) {
	t.Parallel()
	for _, dbURL := range []string{databaseURL, "production"} {
		t.Run(dbURL, func(t *testing.T) {
			rk, dir := exampleRepo(t)
			github(t, rk, "refs/heads/master")
			require.Equal(t, 0, rk.run(t, nil, "ci", dir).code)
			output, summary := github(t, rk, "refs/tags/v1.2.0")
			rk.set("DATABASE_URL", dbURL)
			res := rk.run(t, nil, "ci", dir)
			require.Equal(t, 0, res.code, res.stderr)

			out := readFile(t, output)
			require.Contains(t, out, "rack=org/production\n")
			require.Contains(t, out, "target=production\n")
			require.Contains(t, out, "app=example-app\n")
			require.Contains(t, readFile(t, summary), "| Target | production |")
			require.Contains(t, res.stderr, `"target":"production"`, "computed log fields are written as they are")
		})
	}
}

// Env values equal to words of the log's own keys and values (info, true)
// leave every JSON line valid, with its fields intact.
func TestEnvSetWithWordValuesKeepsEveryJSONLogLineValid(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "env", "set", "LEVEL=info", "MODE=true", "--replace", "--log-format", "json", "--log-level", "debug")
	require.Equal(t, 0, res.code, res.stderr)
	levels := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &ev), "not JSON: %s", line)
		levels[ev["level"].(string)] = true
		if ev["message"] == "environment set" {
			require.Equal(t, true, ev["replace"])
			require.Equal(t, []any{"LEVEL", "MODE"}, ev["keys"])
		}
	}
	require.True(t, levels["info"] && levels["debug"], "levels are written as they are: %v", levels)
	rel := rk.sim.Rack("").Releases(testApp)[0]
	require.Equal(t, "LEVEL=info\nMODE=true", rel.Env)
}

// A password with every escape class, echoed by the build log (RUN echo in
// the Dockerfile), shows in no output in any form, in both log formats at
// trace level, on GitHub Actions with every output file.
func TestHostilePasswordEchoedByTheBuildLogShowsNowhere(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"json", "console"} {
		t.Run(format, func(t *testing.T) {
			rk := newRack(t, racksim.Options{Password: hostilePassword})
			rk.set("CONVOX_CI_LOG_LEVEL", "trace")
			rk.set("CONVOX_CI_LOG_FORMAT", format)
			dir := appDir(t)
			require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nRUN echo \""+hostilePassword+"\"\n"), 0o644))
			output, summary := github(t, rk, "refs/heads/master")
			resultFile := filepath.Join(t.TempDir(), "result.json")
			t.Cleanup(func() { canary.file(resultFile) })
			res := rk.run(t, nil, "deploy", "--result-file", resultFile, dir)
			require.Equal(t, 0, res.code, res.stderr)

			require.Regexp(t, `RUN echo \\?"\[REDACTED\]\\?"`, res.stderr, "the build log line is shown, the echoed password replaced")
			require.Contains(t, res.stderr, "::add-mask::"+report.CommandData(hostilePassword)+"\n")
			for name, out := range map[string]string{"stdout": res.stdout, "stderr": res.stderr,
				"GITHUB_OUTPUT": readFile(t, output), "summary": readFile(t, summary), "result": readFile(t, resultFile)} {
				requireNoForm(t, name, out, hostilePassword)
			}
			if format == "json" {
				for _, line := range strings.Split(strings.TrimSpace(withoutMasks(res.stderr)), "\n") {
					if strings.HasPrefix(line, "::") {
						continue // ::group:: lines
					}
					require.True(t, json.Valid([]byte(line)), "not JSON: %s", line)
				}
			}
		})
	}
}

// echoServer answers every request 400 with the request's headers in the
// body: the Authorization header, base64 of convox:KEY, comes back as the
// error message.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var keys []string
		for k := range r.Header {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		w.WriteHeader(http.StatusBadRequest)
		for _, k := range keys {
			fmt.Fprintf(w, "%s: %s\n", k, strings.Join(r.Header[k], ","))
		}
		_, _ = io.WriteString(w, "url: "+r.URL.String()+"\n")
	}))
	t.Cleanup(srv.Close)
	return srv
}

// A key carried by RACK_URL (padded with whitespace, as a pasted secret
// often is) or by CONVOX_HOST without a scheme is registered before anything
// runs: a server echoing the request's headers shows it in no form.
func TestKeysInRackURLAndHostAreSecretBeforeAnythingRuns(t *testing.T) {
	t.Parallel()
	srv := echoServer(t)
	hostPort := strings.TrimPrefix(srv.URL, "http://")
	for name, vars := range map[string]map[string]string{
		"RACK_URL with spaces and a newline": {"RACK_URL": " http://convox:" + rackURLKey + "@" + hostPort + "\n"},
		"RACK_URL with another user":         {"RACK_URL": "http://jwt:" + rackURLKey + "@" + hostPort},
		"CONVOX_HOST without a scheme":       {"CONVOX_HOST": "convox:" + rackURLKey + "@" + hostPort},
		"password echoed":                    {"CONVOX_HOST": srv.URL, "CONVOX_PASSWORD": rackURLKey},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			e.set("CONVOX_CI_LOG_LEVEL", "trace")
			e.set("GITHUB_ACTIONS", "true")
			for k, v := range vars {
				e.set(k, v)
			}
			res := e.run(t, nil, "rack")
			require.NotEqual(t, 0, res.code)
			require.Contains(t, res.stderr, "::add-mask::"+rackURLKey+"\n", "announced to GitHub")
			requireNoForm(t, "stderr", res.stderr, rackURLKey)
			requireNoForm(t, "stdout", res.stdout, rackURLKey)
		})
	}
}

// The ${VAR}s of the rules file's run commands and env values are secrets
// from the moment it is loaded: a migration that runs before the env step
// and prints them shows neither (nor any line of a multi-line one); plan and
// the step lines show the command as written.
const varRules = `app: myapp
targets:
  staging:
    branches: [master]
    rack: org/staging
    steps:
      - build
      - run: {service: web, command: "bin/migrate --url=${DATABASE_URL} --id=${ZW_KEY}"}
      - env: {replace: true, values: {DATABASE_URL: "${DATABASE_URL}", NODE_ENV: production}}
      - promote
`

func TestRulesFileVariablesAreSecretBeforeAnyStepRuns(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(varRules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	output, _ := github(t, rk, "refs/heads/master")
	rk.set("ZW_KEY", zeroWidthKey)
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		return "migrating with " + command + "\n", 0
	})
	written := "running web bin/migrate --url=${DATABASE_URL} --id=${ZW_KEY}"

	plan := rk.run(t, nil, "plan", "--json", dir)
	require.Equal(t, 0, plan.code, plan.stderr)
	var p map[string]any
	require.NoError(t, json.Unmarshal([]byte(plan.stdout), &p))
	require.Contains(t, p["steps"], written, "plan --json shows the command as written")
	human := rk.run(t, nil, "plan", dir)
	require.Contains(t, human.stdout, written)

	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "migrating with bin/migrate --url=[REDACTED]")
	require.Contains(t, res.stderr, `"step":"`+strings.ReplaceAll(written, `"`, `\"`)+`"`, "the step line shows the command as written")
	firstStep := strings.Index(res.stderr, "step started")
	for _, line := range []string{databaseURL, zeroWidthKey} {
		mask := strings.Index(res.stderr, "::add-mask::"+report.CommandData(line)+"\n")
		require.True(t, mask >= 0 && mask < firstStep, "%q is masked before any step runs", line)
	}
	for name, out := range map[string]string{"stdout": res.stdout, "stderr": res.stderr, "plan": plan.stdout + human.stdout, "GITHUB_OUTPUT": readFile(t, output)} {
		requireNoForm(t, name, out, databaseURL, zeroWidthKey)
	}
	require.Contains(t, readFile(t, output), "target=staging\n")
}

// A multi-line value (a key file in a build arg's ${VAR}) is announced to
// GitHub one line at a time before anything runs, and no line of it shows.
// The same value through --from-env is refused: env values are single lines.
func TestMultiLineSecretIsMaskedLineByLine(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := appDir(t)
	rules := "app: myapp\ntargets:\n  staging:\n    branches: [master]\n    rack: org/staging\n    steps:\n" +
		"      - build: {build_args: {TLS_KEY: \"${TLS_KEY}\"}}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	github(t, rk, "refs/heads/master")
	rk.set("CONVOX_CI_LOG_LEVEL", "trace")
	rk.set("TLS_KEY", multiLineKey)
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	started := strings.Index(res.stderr, "step started")
	for _, line := range strings.Split(multiLineKey, "\n") {
		mask := strings.Index(res.stderr, "::add-mask::"+line+"\n")
		require.True(t, mask >= 0 && mask < started, "%q is masked, on a line of its own, before anything runs", line)
	}
	requireNoForm(t, "stderr", res.stderr, multiLineKey)
	requireNoForm(t, "stdout", res.stdout, multiLineKey)

	env := rk.run(t, nil, "env", "set", "--from-env", "TLS_KEY", "--replace", "--app", testApp, "--rack", "org/staging")
	require.Equal(t, 2, env.code, env.stderr)
	require.Contains(t, env.stderr, "--from-env TLS_KEY: the value has a line break")
	requireNoForm(t, "stderr", env.stderr, multiLineKey)
}

// A key that an import's own host carries (host: ${STAGING_HOST}) is a
// secret from the moment the rules file is read: a step that runs before the
// import and prints it shows [REDACTED].
func TestKeyInARulesFileHostIsSecretBeforeAnyStepRuns(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := appDir(t)
	rules := "app: myapp\ntargets:\n  production:\n    tags: [\"v*\"]\n    rack: org/production\n    steps:\n" +
		"      - run: {service: web, command: bin/migrate}\n" +
		"      - import: {from: org/staging, host: \"${STAGING_HOST}\"}\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	github(t, rk, "refs/tags/v1.0.0")
	// The import then meets a Rack that refuses the key (at once: no retries).
	staging := strings.Replace(rk.url, "://", "://convox:"+rackURLKey+"@", 1)
	rk.set("STAGING_HOST", staging)
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		return "connecting to " + staging + "\n", 0
	})
	res := rk.run(t, nil, "ci", dir)
	require.Contains(t, res.stdout, "connecting to "+strings.Replace(staging, rackURLKey, "[REDACTED]", 1), res.stderr)
	mask := strings.Index(res.stderr, "::add-mask::"+rackURLKey+"\n")
	started := strings.Index(res.stderr, "step started")
	require.True(t, mask >= 0 && mask < started, "the key is masked before any step runs:\n%s", res.stderr)
	requireNoForm(t, "stderr", res.stderr, rackURLKey)
	requireNoForm(t, "stdout", res.stdout, rackURLKey)
}

// A command the Rack cannot be given (a line break, as from "$(cat key)")
// is refused before anything is sent, without repeating it.
func TestRunCommandWithALineBreakIsRefusedBeforeAnythingIsSent(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "run", "web", "bin/setup --key="+multiLineKey)
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "line break")
	require.Empty(t, rk.sim.Requests(), "nothing sent")
	requireNoForm(t, "stderr", res.stderr, multiLineKey)
}

// A build arg given on the command line (--build-args NPM_TOKEN=...) is a
// secret as a rules file's build arg is: a build log that echoes it shows
// [REDACTED], and a malformed one is refused without repeating its value.
func TestBuildArgsOnTheCommandLineAreSecrets(t *testing.T) {
	t.Parallel()
	const token = `npm-tok<"\>&%40:/é-0123`
	rk := newRack(t, racksim.Options{})
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\nARG NPM_TOKEN\nRUN echo \""+token+"\"\n"), 0o644))
	res := rk.run(t, nil, "build", "--build-args", "NPM_TOKEN="+token, dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Regexp(t, `RUN echo \\?"\[REDACTED\]\\?"`, res.stderr, "the build log line is shown, the echoed build arg replaced")
	requireNoForm(t, "stdout", res.stdout, token)
	requireNoForm(t, "stderr", res.stderr, token)

	for _, bad := range []string{"NPM TOKEN=" + token, token} {
		res = rk.run(t, nil, "build", "--build-args", bad, dir)
		require.Equal(t, 2, res.code, res.stderr)
		require.Contains(t, res.stderr, "NAME=VALUE")
		requireNoForm(t, "stderr", res.stderr, token)
		requireNoForm(t, "stdout", res.stdout, token)
	}
}

// A migration whose shell traces its commands (set -x, as many CI scripts
// do) prints a ${VAR} value holding a ' the way bash quotes it, each '
// closing the quotes, escaped, and reopening them. No part of it shows.
func TestSecretQuotedByAShellTraceNeverShows(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("no bash")
	}
	const pw = "it's-a-db-password-0123"
	rk := consoleRack(t)
	dir := appDir(t)
	rules := strings.Replace(varRules, `bin/migrate --url=${DATABASE_URL} --id=${ZW_KEY}`, `true --pw=\"${DB_PW}\"`, 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	rk.set("CONVOX_CI_BRANCH", "master")
	rk.set("DB_PW", pw)
	rk.set("DATABASE_URL", "postgres://db/x")
	ran := make(chan string, 1)
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		out, err := exec.Command("bash", "-xc", command).CombinedOutput() // the process's shell, tracing
		ran <- string(out)
		if err != nil {
			return string(out), 1
		}
		return string(out), 0
	})
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, <-ran, `'--pw=it'\''s-a-db-password-0123'`, "bash traced the command with the value quoted")
	require.Contains(t, res.stdout, "+ true '--pw=[REDACTED]'")
	for name, out := range map[string]string{"stdout": res.stdout, "stderr": withoutMasks(res.stderr)} {
		require.NotContains(t, out, "s-a-db-password", name)
		requireNoForm(t, name, out, pw)
	}
}
