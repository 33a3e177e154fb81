package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

func TestRunPrintsOutputAndExitsWithTheRemoteStatus(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		return "migrating: " + command + "\n2 migrations pending\nerror: migration 2 failed\n", 3
	})
	res := rk.run(t, nil, "run", "web", "bin/migrate")
	require.Equal(t, 3, res.code, res.stderr)
	require.Equal(t, "migrating: bin/migrate\n2 migrations pending\nerror: migration 2 failed\n", res.stdout)
	var started, stopped string
	for _, r := range rk.sim.Requests() {
		switch {
		case r.Method == "POST" && r.Path == "/apps/"+testApp+"/services/web/processes":
			require.Equal(t, "sleep 1800", r.Header.Get("Command"), "the process lives as long as --timeout (30m by default)")
			started = "yes"
		case r.Method == "DELETE" && strings.HasPrefix(r.Path, "/apps/"+testApp+"/processes/"):
			stopped = r.Path
		}
	}
	require.Equal(t, "yes", started)
	require.NotEmpty(t, stopped, "the process is stopped after the command")
}

func TestRunAgainstAnUnpromotedRelease(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	res := rk.run(t, nil, "run", "--release", build.stdout, "web", "bin/migrate")
	require.Equal(t, 0, res.code, res.stderr)
	var started bool
	for _, r := range rk.sim.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/services/web/processes") {
			started = true
			require.Equal(t, build.stdout, r.Header.Get("Release"))
		}
	}
	require.True(t, started)
}

func TestRunWithACutStreamFailsWithTheReason(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.sim.CutStream("GET", "/apps/"+testApp+"/processes/*/exec")
	res := rk.run(t, nil, "run", "web", "bin/migrate")
	require.NotEqual(t, 0, res.code)
	require.Contains(t, res.stderr, "exit status never arrived")
}

func TestEnvSetReplaceSendsExactlyTheGivenSet(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	envFile := filepath.Join(t.TempDir(), ".env")
	require.NoError(t, os.WriteFile(envFile, []byte("# comment\nexport B="+envSecretB+"\n"), 0o600))
	rk.set("FROM_CI", "ci-value-9")
	res := rk.run(t, nil, "env", "set", "A="+envSecretA, "--env-file", envFile, "--from-env", "FROM_CI", "--replace")
	require.Equal(t, 0, res.code, res.stderr)

	rels := rk.sim.Rack("").Releases(testApp)
	require.Equal(t, "A="+envSecretA+"\nB="+envSecretB+"\nFROM_CI=ci-value-9", rels[0].Env)
	require.Equal(t, "Release: "+rels[0].ID+"\n", res.stdout)
	var creates int
	for _, r := range rk.sim.Requests() {
		require.False(t, r.Method == "GET" && strings.Contains(r.Path, "/releases"), "--replace never reads the env")
		if r.Method == "POST" && r.Path == "/apps/"+testApp+"/releases" {
			creates++
		}
	}
	require.Equal(t, 1, creates)
	require.Contains(t, res.stderr, `"keys":["B","A","FROM_CI"]`, "keys are logged")
}

func TestEnvSetPromoteWaitsLikeADeploy(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "env", "set", "A="+envSecretA, "--replace", "--promote", "--id")
	require.Equal(t, 0, res.code, res.stderr)
	app, _ := rk.sim.Rack("").App(testApp)
	require.Equal(t, res.stdout, app.Release)
	require.Equal(t, "running", app.Status)
}

func TestEnvSetRejectsBadAssignmentsBeforeAnyRequest(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"no equals":       {"NOEQUALS"},
		"bad key":         {"1BAD=" + envSecretA},
		"dash in key":     {"BAD-KEY=" + envSecretA},
		"nothing to set":  {},
		"unset from-env":  {"--from-env", "NOT_SET_ANYWHERE_X"},
		"missing envfile": {"--env-file", "/nonexistent/.env"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rk := newRack(t, racksim.Options{})
			res := rk.run(t, nil, append([]string{"env", "set", "--replace"}, args...)...)
			require.Equal(t, 2, res.code, res.stderr)
			require.Empty(t, rk.sim.Requests())
			require.NotContains(t, res.stderr, envSecretA)
		})
	}
}

func TestReleasesPromoteRollbackExits5(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	rk.sim.RollbackNextPromote(testApp)
	res := rk.run(t, nil, "releases", "promote", build.stdout)
	require.Equal(t, 5, res.code, res.stderr)

	// A release that failed its checks fails them every time, as on a Rack.
	again := rk.run(t, nil, "releases", "promote", build.stdout)
	require.Equal(t, 5, again.code, again.stderr)
	require.Equal(t, []string{build.stdout, build.stdout}, rk.sim.Rack("").Promotions(testApp))

	fixed := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, fixed.code, fixed.stderr)
	ok := rk.run(t, nil, "releases", "promote", fixed.stdout)
	require.Equal(t, 0, ok.code, ok.stderr)
	app, _ := rk.sim.Rack("").App(testApp)
	require.Equal(t, fixed.stdout, app.Release)
}

func TestBuildsExportPipedIntoImportMovesABuildBetweenRacks(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}})
	rk.set("CONVOX_RACK", "org/staging")
	build := rk.run(t, nil, "build", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	id := rk.sim.Rack("org/staging").Builds(testApp)[0].ID

	exported := rk.run(t, nil, "builds", "export", id)
	require.Equal(t, 0, exported.code, exported.stderr)
	require.NotEmpty(t, exported.stdout)

	imported := rk.run(t, strings.NewReader(exported.stdout), "builds", "import", "-r", "org/production", "--id")
	require.Equal(t, 0, imported.code, imported.stderr)
	prod := rk.sim.Rack("org/production").Builds(testApp)[0]
	require.Equal(t, imported.stdout, prod.Release)

	again := rk.run(t, nil, "builds", "export", "-r", "org/production", prod.ID)
	require.Equal(t, 0, again.code, again.stderr)
	require.Equal(t, tarEntries(t, []byte(exported.stdout)), replaceID(tarEntries(t, []byte(again.stdout)), prod.ID, id), "the same artifact")
}

// builds export --file succeeds only when every byte reached the file: a
// full disk is a failure, not exit 0 with a truncated artifact.
func TestBuildsExportToAFileChecksTheWrite(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	id := rk.sim.Rack("").Builds(testApp)[0].ID

	file := filepath.Join(t.TempDir(), "out", "build.tgz")
	res := rk.run(t, nil, "builds", "export", id, "--file", file)
	require.Equal(t, 0, res.code, res.stderr)
	stdout := rk.run(t, nil, "builds", "export", id)
	require.Equal(t, 0, stdout.code, stdout.stderr)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, stdout.stdout, string(data), "the file holds the artifact")

	if _, err := os.Stat("/dev/full"); err != nil {
		t.Skip("no /dev/full here")
	}
	full := rk.run(t, nil, "builds", "export", id, "--file", "/dev/full")
	require.Equal(t, 1, full.code, full.stderr)
	require.Contains(t, full.stderr, "no space left on device")
}

// /dev/null is a character device, not a terminal: CI scripts send output
// there, and `builds export B >/dev/null` must not be refused.
func TestBuildsExportToDevNullIsNotATerminal(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	id := rk.sim.Rack("").Builds(testApp)[0].ID

	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer null.Close()
	var errOut bytes.Buffer
	code := Main(context.Background(), []string{"builds", "export", id}, rk.getenv, strings.NewReader(""), null, &errOut)
	canary.add(t.Name()+" stderr", errOut.Bytes())
	require.Equal(t, 0, code, errOut.String())
	require.NotContains(t, errOut.String(), "terminal")
}

func replaceID(names []string, from, to string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strings.ReplaceAll(n, from, to)
	}
	return out
}

func TestBuildsPromoteFindsTheBuildByCommit(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}})
	rk.set("CONVOX_RACK", "org/staging")
	rk.set("CIRCLECI", "true")
	rk.set("CIRCLE_BRANCH", "master")
	rk.set("CIRCLE_SHA1", testSha)
	require.Equal(t, 0, rk.run(t, nil, "build", appDir(t)).code)
	// a newer build of another commit must not be chosen
	rk.set("CIRCLE_SHA1", "fedcba9876543210fedcba9876543210fedcba98")
	require.Equal(t, 0, rk.run(t, nil, "build", appDir(t)).code)
	staging := rk.sim.Rack("org/staging").Builds(testApp)

	res := rk.run(t, nil, "builds", "promote", "--from", "org/staging", "--commit", testSha, "-r", "org/production")
	require.Equal(t, 0, res.code, res.stderr)
	prod := rk.sim.Rack("org/production")
	require.Equal(t, staging[1].Description, prod.Builds(testApp)[0].Description, "the build of that commit, not the latest")
	app, _ := prod.App(testApp)
	require.Equal(t, prod.Builds(testApp)[0].Release, app.Release)

	missing := rk.run(t, nil, "builds", "promote", "--from", "org/staging", "--commit", "abcdefabcdef", "-r", "org/production")
	require.Equal(t, 1, missing.code)
	require.Contains(t, missing.stderr, "no complete build of commit abcdefabcd")
}

func TestBuildsListNewestFirst(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	b := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, b.code, b.stderr)
	res := rk.run(t, nil, "builds", "--limit", "5")
	require.Equal(t, 0, res.code, res.stderr)
	lines := strings.Split(strings.TrimSpace(res.stdout), "\n")
	require.True(t, strings.HasPrefix(lines[0], "ID"))
	require.Contains(t, lines[1], b.stdout, "the newest build first")
}

func TestLogsPrintsTheAppsLines(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "logs", "--since", "10m")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "[pod/")
}

func TestRackShowsTheSystem(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "rack")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "Name")
	require.Contains(t, res.stdout, "running")
}

func TestRacksWorksOnlyThroughConsole(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}})
	res := rk.run(t, nil, "racks")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "org/staging")
	require.Contains(t, res.stdout, "org/production")

	rk2 := newRack(t, racksim.Options{})
	direct := rk2.run(t, nil, "racks")
	require.NotEqual(t, 0, direct.code)
	require.Contains(t, direct.stderr, "Console")
}

func TestDeployKeyRefusalNamesTheCommandAndTheScope(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, DeployKey: true, Racks: []string{"org/staging"}})
	rk.set("CONVOX_RACK", "org/staging")
	res := rk.run(t, nil, "env", "set", "A="+envSecretA) // without --replace: reads the env, which deploy keys may not
	require.Equal(t, 3, res.code, res.stderr)
	require.Contains(t, res.stderr, "env set")
	require.Contains(t, res.stderr, "env set --replace")
	require.Contains(t, res.stderr, "deploy key")

	ok := rk.run(t, nil, "env", "set", "A="+envSecretA, "--replace")
	require.Equal(t, 0, ok.code, ok.stderr)
}

func TestLocalLoginIsUsedWhenNothingIsSet(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.set("CONVOX_HOST", "")
	rk.set("CONVOX_PASSWORD", "")
	cfg := t.TempDir()
	rk.set("CONVOX_CONFIG", cfg)
	require.NoError(t, os.WriteFile(filepath.Join(cfg, "console"), []byte(rk.url), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(cfg, "auth"), []byte(`{"`+rk.url+`":"`+testPassword+`"}`), 0o600))
	res := rk.run(t, nil, "rack")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stderr, "saved login")
	require.Contains(t, res.stderr, filepath.Join(cfg, "auth"))
}

func TestStdinIsReadForImportOnly(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, bytes.NewReader([]byte("not an artifact")), "builds", "import")
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "invalid build artifact")
}

func TestRunFlagsAfterTheCommandAreOurs(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	var ran []string
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		ran = append(ran, command)
		return "", 0
	})
	rk.set("CONVOX_APP", "")
	res := rk.run(t, nil, "run", "web", "bin/migrate", "--release", build.stdout, "-a", testApp)
	require.Equal(t, 0, res.code, res.stderr)
	require.Equal(t, []string{"bin/migrate"}, ran, "the flags are not part of the command")
	for _, r := range rk.sim.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/services/web/processes") {
			require.Equal(t, build.stdout, r.Header.Get("Release"), "--release after the command still applies")
		}
	}

	res = rk.run(t, nil, "run", "-a", testApp, "web", "--", "sh", "-c", "echo a && echo b")
	require.Equal(t, 0, res.code, res.stderr)
	require.Equal(t, `sh -c 'echo a && echo b'`, ran[len(ran)-1], "after --, dashes belong to the command")
}

// An exit would wrap a status above 255 (256 to 0): one that does not fit
// fails with exit 1, naming it.
func TestRunStatusThatDoesNotFitExits1(t *testing.T) {
	t.Parallel()
	for _, status := range []int{256, 512, 1 << 32, -1} {
		rk := newRack(t, racksim.Options{})
		rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) { return "", status })
		res := rk.run(t, nil, "run", "web", "exit 256")
		require.Equal(t, 1, res.code, "status %d: %s", status, res.stderr)
		require.Contains(t, res.stderr, fmt.Sprintf("exited with status %d, which is not an exit status", status))
	}
}

// A bare number is seconds, as the Convox CLI's `run --timeout 600`, from
// the flag, CONVOX_CI_TIMEOUT or the action's input alike.
func TestTimeoutInSeconds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{args: []string{"run", "web", "bin/migrate", "--timeout", "600"}, want: "sleep 600"},
		{env: map[string]string{"CONVOX_CI_TIMEOUT": "90"}, args: []string{"run", "web", "bin/migrate"}, want: "sleep 90"},
		{env: map[string]string{"INPUT_TIMEOUT": "120"}, args: []string{"run", "web", "bin/migrate"}, want: "sleep 120"},
		{args: []string{"run", "web", "bin/migrate", "--timeout", "1h"}, want: "sleep 3600"},
	} {
		rk := newRack(t, racksim.Options{})
		for k, v := range tc.env {
			rk.set(k, v)
		}
		res := rk.run(t, nil, tc.args...)
		require.Equal(t, 0, res.code, res.stderr)
		var started string
		for _, r := range rk.sim.Requests() {
			if r.Method == "POST" && r.Path == "/apps/"+testApp+"/services/web/processes" {
				started = r.Header.Get("Command")
			}
		}
		require.Equal(t, tc.want, started, "the process lives as long as the deadline: %v %v", tc.env, tc.args)
	}
}
