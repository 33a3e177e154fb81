package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// These tests run the real process the way each CI wrapper invokes it
// (action.yml, the orb's script, the Drone/Woodpecker plugin settings),
// against the simulated Rack.

// wrapperEnv returns the environment a CI hands a job: the test's own
// minus every convox-ci setting, plus env.
func (e *testEnv) wrapperEnv(env map[string]string) []string {
	var out []string
	for _, kv := range e.environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CONVOX_") {
			continue
		}
		out = append(out, kv)
	}
	out = append(out, "CONVOX_CI_TEST_AS_MAIN=1", "CONVOX_CI_LOG_LEVEL=debug")
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

func (e *testEnv) runProcess(t *testing.T, dir string, env map[string]string, name string, args ...string) result {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	cmd.Env = e.wrapperEnv(env)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if exit, ok := err.(*exec.ExitError); ok {
		code = exit.ExitCode()
	} else {
		require.NoError(t, err)
	}
	canary.add(t.Name()+" stdout", stdout.Bytes())
	canary.add(t.Name()+" stderr", stderr.Bytes())
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

func TestGitHubActionInputs(t *testing.T) {
	t.Parallel()
	actionYML := actionYMLPath(t)
	rk := consoleRack(t)
	dir := repo(t, rk)
	out := t.TempDir()
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/master", "GITHUB_SHA": testSha,
		"GITHUB_OUTPUT": filepath.Join(out, "output"), "GITHUB_STEP_SUMMARY": filepath.Join(out, "summary"),
	}
	for k, v := range actionInputs(t, map[string]string{"host": rk.url, "password": testPassword, "timeout": "5m", "result_file": filepath.Join(out, "new", "dir", "result.json")}) {
		env[k] = v
	}
	res := rk.runProcess(t, dir, env, os.Args[0])
	resultFile := filepath.Join(out, "new", "dir", "result.json")
	t.Cleanup(func() { canary.file(filepath.Join(out, "output")); canary.file(resultFile) })
	require.Equal(t, 0, res.code, res.stderr)

	release := rk.sim.Rack("org/staging").Builds("myapp")[0].Release
	outputs := readFile(t, filepath.Join(out, "output"))
	require.Contains(t, outputs, "release_id="+release+"\n")
	require.Contains(t, res.stderr, "::add-mask::"+testPassword+"\n")
	var r map[string]any
	require.NoError(t, json.Unmarshal([]byte(readFile(t, resultFile)), &r), "the result file's folder is created")
	require.Equal(t, release, r["release_id"])

	// Every output written is declared in action.yml (a workflow may only
	// use declared outputs; actionlint rejects the others).
	var action struct {
		Outputs map[string]any `yaml:"outputs"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, actionYML)), &action))
	var written []string
	for _, line := range strings.Split(strings.TrimSpace(outputs), "\n") {
		k, _, _ := strings.Cut(line, "=")
		written = append(written, k)
		require.Contains(t, action.Outputs, k, "action.yml does not declare the output %q", k)
	}
	require.Subset(t, written, []string{"status", "commit", "target", "rack", "app", "build_id", "release_id"}, "a deploy writes every output")
}

// actionInputs is the INPUT_* environment GitHub hands action.yml's
// container: every input, the given value, else its default, else "".
func actionInputs(t *testing.T, with map[string]string) map[string]string {
	t.Helper()
	var action struct {
		Inputs map[string]struct {
			Default *string `yaml:"default"`
		} `yaml:"inputs"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, actionYMLPath(t))), &action))
	env := map[string]string{}
	for id, in := range action.Inputs {
		v := ""
		if in.Default != nil {
			v = *in.Default
		}
		if w, ok := with[id]; ok {
			v = w
		}
		env["INPUT_"+strings.ToUpper(id)] = v
	}
	for id := range with {
		require.Contains(t, action.Inputs, id, "action.yml has no input %q", id)
	}
	return env
}

func actionYMLPath(t *testing.T) string {
	t.Helper()
	p, err := filepath.Abs("../../action.yml")
	require.NoError(t, err)
	return p
}

// A step's with: is the most specific setting: it wins over the job's
// CONVOX_* (the log says so), while an input left unset leaves the job's
// value alone (GitHub passes a default as if given, so action.yml has none
// that repeat the binary's).
func TestGitHubInputWinsOverTheJobsEnvironment(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Apps: []string{testApp, "job-app"}})
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "GITHUB_EVENT_NAME": "push", "GITHUB_REF": "refs/heads/master", "GITHUB_SHA": testSha,
		// the job's env:
		"CONVOX_HOST": rk.url, "CONVOX_PASSWORD": testPassword, "CONVOX_APP": "job-app", "CONVOX_CI_LOG_FORMAT": "json", "CONVOX_CI_LOG_LEVEL": "info",
	}
	for k, v := range actionInputs(t, map[string]string{"app": testApp, "command": "deploy"}) {
		env[k] = v
	}
	res := rk.runProcess(t, appDir(t), env, os.Args[0])
	require.Equal(t, 0, res.code, res.stderr)
	require.NotEmpty(t, rk.sim.Rack("").Promotions(testApp), "with: app deployed")
	require.Len(t, rk.sim.Rack("").Builds("job-app"), 1, "the job's CONVOX_APP lost: it keeps only its seeded build")
	require.Regexp(t, `"input":"INPUT_APP","over":"CONVOX_APP",.*"message":"the step's input overrides the environment"`, res.stderr)
	for _, line := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		if !strings.HasPrefix(line, "::") {
			require.True(t, json.Valid([]byte(line)), "the job's CONVOX_CI_LOG_FORMAT=json holds (no input default overrides it): %s", line)
		}
	}
}

func TestGitHubActionCommandInput(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_RUN_ID": "1", "INPUT_HOST": rk.url, "INPUT_PASSWORD": testPassword,
		"INPUT_RACK": "org/staging", "INPUT_APP": testApp, "INPUT_COMMAND": `run web "bin/migrate --all"`,
	}
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) { return "ran " + command + "\n", 0 })
	res := rk.runProcess(t, dir, env, os.Args[0])
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "ran bin/migrate --all\n")
}

func TestDronePluginSettings(t *testing.T) {
	t.Parallel()
	rk := consoleRack(t)
	dir := repo(t, rk)
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) { return "migrated\n", 0 })
	env := map[string]string{
		"DRONE": "true", "DRONE_BRANCH": "master", "DRONE_COMMIT_SHA": testSha, "DRONE_BUILD_EVENT": "push",
		"PLUGIN_HOST": rk.url, "PLUGIN_PASSWORD": testPassword, "PLUGIN_RACK": "org/staging", "PLUGIN_APP": testApp,
		"PLUGIN_COMMAND": "run web bin/migrate", "PLUGIN_TIMEOUT": "5m",
	}
	res := rk.runProcess(t, dir, env, os.Args[0])
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "migrated")
}

func TestCircleCIOrbStepByStep(t *testing.T) {
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
		"MY_HOST": rk.url, "MY_KEY": testPassword, "CONVOX_CI_BIN": shim,
		"PARAM_HOST_ENV": "MY_HOST", "PARAM_PASSWORD_ENV": "MY_KEY", "PARAM_RACK": "org/staging", "PARAM_APP": testApp,
	}
	// CircleCI sources $BASH_ENV at the start of every step.
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
	migrate := step(map[string]string{"PARAM_VERB": "run", "PARAM_SERVICE": "web", "PARAM_COMMAND": "bin/migrate"})
	require.Equal(t, 0, migrate.code, migrate.stderr)
	promote := step(map[string]string{"PARAM_VERB": "promote"})
	require.Equal(t, 0, promote.code, promote.stderr)

	staging := rk.sim.Rack("org/staging")
	app, _ := staging.App(testApp)
	require.Equal(t, staging.Builds(testApp)[0].Release, app.Release, "the orb promoted the release its build step made")
}

// Under GitHub Actions stdout stays data: an exported artifact and an --id
// are byte-exact, with the workflow commands on stderr.
func TestGitHubStdoutStaysData(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}})
	rk.set("CONVOX_RACK", "org/staging")
	rk.set("GITHUB_ACTIONS", "true")
	rk.set("GITHUB_OUTPUT", filepath.Join(t.TempDir(), "out"))

	build := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	require.Regexp(t, `^R[A-Z]{10}$`, build.stdout)
	require.Contains(t, build.stderr, "::add-mask::"+testPassword)

	id := rk.sim.Rack("org/staging").Builds(testApp)[0].ID
	exported := rk.run(t, nil, "builds", "export", id)
	require.Equal(t, 0, exported.code, exported.stderr)
	require.Equal(t, []byte{0x1f, 0x8b}, []byte(exported.stdout[:2]), "a gzip artifact, nothing before it")

	imported := rk.run(t, strings.NewReader(exported.stdout), "builds", "import", "-r", "org/production", "--id")
	require.Equal(t, 0, imported.code, imported.stderr)
	require.Regexp(t, `^R[A-Z]{10}$`, imported.stdout)
}

// orbCommandEnv is the PARAM_* environment CircleCI hands the orb
// command's script (orbs/src/commands/NAME.yml): each parameter the given
// value, else its default, else "".
func orbCommandEnv(t *testing.T, file string, with map[string]string) map[string]string {
	t.Helper()
	var cmd struct {
		Parameters map[string]struct {
			Default any `yaml:"default"`
		} `yaml:"parameters"`
		Steps []struct {
			Run struct {
				Environment map[string]string `yaml:"environment"`
			} `yaml:"run"`
		} `yaml:"steps"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, file)), &cmd))
	require.Len(t, cmd.Steps, 1, file)
	value := func(name string) string {
		if v, ok := with[name]; ok {
			return v
		}
		p, ok := cmd.Parameters[name]
		require.True(t, ok, "%s has no parameter %q", file, name)
		if p.Default == nil {
			return ""
		}
		return fmt.Sprint(p.Default)
	}
	param := regexp.MustCompile(`<< *parameters\.([a-z_]+) *>>`)
	env := map[string]string{}
	for k, v := range cmd.Steps[0].Run.Environment {
		env[k] = param.ReplaceAllStringFunc(v, func(m string) string { return value(param.FindStringSubmatch(m)[1]) })
	}
	return env
}

// A CircleCI project sets convox-ci's settings once, in its environment or
// a context (CONVOX_CI_TIMEOUT, CONVOX_CI_CONFIG): an orb command whose
// parameters are left at their defaults passes nothing that overrides
// them, as no action.yml input default does. (A project's invalid
// CONVOX_CI_TIMEOUT is refused, naming it, only if it is read.)
func TestCircleCIOrbDefaultsLeaveTheProjectsSettings(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash is not installed")
	}
	script, err := filepath.Abs("../../orbs/src/scripts/convox-ci.sh")
	require.NoError(t, err)
	rk := consoleRack(t)
	dir := repo(t, rk)
	rules := filepath.Join(dir, "convox-ci.yml")
	custom := filepath.Join(dir, "deploy", "rules.yml")
	require.NoError(t, os.MkdirAll(filepath.Dir(custom), 0o755))
	require.NoError(t, os.Rename(rules, custom))
	shim := filepath.Join(t.TempDir(), "convox-ci")
	require.NoError(t, os.WriteFile(shim, []byte("#!/bin/sh\nexec "+os.Args[0]+" \"$@\"\n"), 0o755))
	project := map[string]string{
		"CIRCLECI": "true", "CIRCLE_BRANCH": "master", "CIRCLE_SHA1": testSha, "CONVOX_CI_BIN": shim,
		"CONVOX_HOST": rk.url, "CONVOX_PASSWORD": testPassword, "CONVOX_RACK": "org/staging", "CONVOX_APP": testApp,
		"CONVOX_RELEASE_ID": "RABCDEFGHIJ",
	}
	run := func(file string, with, env map[string]string) result {
		all := orbCommandEnv(t, file, with)
		for k, v := range project {
			all[k] = v
		}
		for k, v := range env {
			all[k] = v
		}
		return rk.runProcess(t, dir, all, "bash", script)
	}

	commands, err := filepath.Glob("../../orbs/src/commands/*.yml")
	require.NoError(t, err)
	checked := 0
	for _, file := range commands {
		if !strings.Contains(readFile(t, file), "scripts/convox-ci.sh") {
			continue // install
		}
		checked++
		res := run(file, map[string]string{"service": "web", "command": "bin/migrate", "plan_only": "true"}, map[string]string{"CONVOX_CI_TIMEOUT": "soon"})
		require.Equal(t, 2, res.code, "%s: the project's CONVOX_CI_TIMEOUT was not read: %s", file, res.stderr)
		require.Contains(t, res.stderr, "$CONVOX_CI_TIMEOUT", file)
	}
	require.NotZero(t, checked)
	require.Empty(t, rk.sim.Requests(), "nothing was sent")

	res := run("../../orbs/src/commands/ci.yml", map[string]string{"plan_only": "true"}, map[string]string{"CONVOX_CI_CONFIG": custom})
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Rules:        "+custom, "the project's CONVOX_CI_CONFIG holds")
}
