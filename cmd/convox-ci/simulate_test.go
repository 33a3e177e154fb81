package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// startSimulate runs simulate as its own process and returns it with the
// settings it printed (the export lines, up to CONVOX_APP, which is last).
func (e *testEnv) startSimulate(t *testing.T, env map[string]string, args ...string) (*os.Process, map[string]string, []string) {
	t.Helper()
	cmd := e.command(env, append([]string{"simulate", "--listen", "127.0.0.1:0"}, args...)...)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })

	settings := map[string]string{}
	var lines []string
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		lines = append(lines, sc.Text())
		k, v, ok := strings.Cut(strings.TrimPrefix(sc.Text(), "export "), "=")
		require.True(t, ok && strings.HasPrefix(sc.Text(), "export "), "not an export line: %q", sc.Text())
		settings[k] = v
		if k == "CONVOX_APP" {
			break
		}
	}
	require.NotEmpty(t, settings["CONVOX_APP"], "simulate prints CONVOX_APP last: %q", lines)
	go io.Copy(io.Discard, stdout)
	return cmd.Process, settings, lines
}

// stopSimulate interrupts simulate and waits for it to end.
func stopSimulate(t *testing.T, p *os.Process) *os.ProcessState {
	t.Helper()
	require.NoError(t, p.Signal(syscall.SIGINT))
	done := make(chan *os.ProcessState, 1)
	go func() { st, _ := p.Wait(); done <- st }()
	select {
	case st := <-done:
		return st
	case <-time.After(10 * time.Second):
		t.Fatal("simulate did not stop on SIGINT")
	}
	return nil
}

// simulate prints the settings to use it, serves a Rack that convox-ci
// deploys to, and stops on SIGINT.
func TestSimulateServesARackUntilInterrupted(t *testing.T) {
	t.Parallel()
	for name, args := range map[string][]string{
		"https":  {"--app", testApp, "--password", testPassword},
		"http":   {"--insecure-http", "--app", testApp, "--build-duration", "0s", "--rollout-duration", "1ms"},
		"faults": {"--insecure-http", "--app", testApp, "--fault-rate", "0.2", "--seed", "7"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p, settings, _ := e.startSimulate(t, nil, args...)
			require.NotEmpty(t, settings["CONVOX_HOST"])
			require.NotEmpty(t, settings["CONVOX_PASSWORD"])
			require.Equal(t, testApp, settings["CONVOX_APP"])
			if name == "https" {
				require.True(t, strings.HasPrefix(settings["CONVOX_HOST"], "https://"))
				require.Equal(t, testPassword, settings["CONVOX_PASSWORD"])
				require.FileExists(t, settings["CONVOX_CA_FILE"])
			}
			for k, v := range settings {
				e.set(k, v)
			}
			res := e.run(t, nil, "deploy", appDir(t))
			require.Equal(t, 0, res.code, res.stderr)
			require.Equal(t, 0, stopSimulate(t, p).ExitCode())
		})
	}
}

// The global deadline (CONVOX_CI_TIMEOUT, 30m by default) ends runs, not
// the server: simulate still answers once it has passed. The build takes
// longer than the deadline, so the deploy can only succeed if simulate
// outlived it.
func TestSimulateOutlivesTheRunDeadline(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p, settings, _ := e.startSimulate(t, map[string]string{"CONVOX_CI_TIMEOUT": "1s"}, "--insecure-http", "--build-duration", "1500ms")
	for k, v := range settings {
		e.set(k, v)
	}
	res := e.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	res = e.run(t, nil, "rack")
	require.Equal(t, 0, res.code, "simulate still answers after its deadline: %s", res.stderr)
	require.Equal(t, 0, stopSimulate(t, p).ExitCode())
}

// With no --app, simulate creates example-app and says so in CONVOX_APP;
// repeated --app and commas both add apps, and all of them exist.
func TestSimulateCreatesTheAppsNamed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, settings, _ := e.startSimulate(t, nil, "--insecure-http")
	require.Equal(t, "example-app", settings["CONVOX_APP"])

	_, settings, _ = e.startSimulate(t, nil, "--insecure-http", "--app", "a", "--app", "b,c", "-a", "d")
	require.Equal(t, "a", settings["CONVOX_APP"], "the first app is the one to use")
	for k, v := range settings {
		e.set(k, v)
	}
	for _, app := range []string{"a", "b", "c", "d"} {
		res := e.run(t, nil, "builds", "--app", app)
		require.Equal(t, 0, res.code, "app %s: %s", app, res.stderr)
	}
	res := e.run(t, nil, "builds", "--app", "e")
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "app not found: e")
}

// --write-env writes the same export lines to a file a script can source;
// the file goes away with the server.
func TestSimulateWritesTheSettingsToAFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), "rack.env")
	p, _, lines := e.startSimulate(t, nil, "--write-env", file)
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, strings.Join(lines, "\n")+"\n", string(data))
	fi, err := os.Stat(file)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "the file carries the password")
	stopSimulate(t, p)
	require.NoFileExists(t, file)
}

// Every command but simulate works on one app: two is a mistake, not "the
// last one wins".
func TestTwoAppsAreRefusedOutsideSimulate(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", "--app", "a", "--app", testApp, appDir(t))
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "2 apps named (a, myapp)")
	require.Empty(t, rk.sim.Requests())
}

func TestSimulateRejectsABadFaultRate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.run(t, nil, "simulate", "--fault-rate", "3")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "from 0 to 1")
}

// An exported CONVOX_PASSWORD is most likely a real Rack's key: simulate,
// which prints its key, makes its own instead.
func TestSimulateNeverPrintsAnAmbientPassword(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.set("CONVOX_PASSWORD", testPassword)
	p, settings, lines := e.startSimulate(t, nil, "--insecure-http")
	require.NotEqual(t, testPassword, settings["CONVOX_PASSWORD"])
	require.NotContains(t, strings.Join(lines, "\n"), testPassword)
	stopSimulate(t, p)
}

// --write-env replaces its file and removes it when simulate stops: a file
// that is not an earlier simulate's (a project's .env) is refused, exit 2,
// before anything is served, and left as it was. A leftover of an earlier
// simulate, or an empty file (mktemp's), is taken.
func TestSimulateWriteEnvNeverTakesAnotherFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	file := filepath.Join(t.TempDir(), ".env")
	const project = "DATABASE_URL=postgres://localhost/dev\n"
	require.NoError(t, os.WriteFile(file, []byte(project), 0o644))
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second) // a bound on a server that would never stop
	defer cancel()
	var stdout, stderr bytes.Buffer
	code := Main(ctx, []string{"simulate", "--listen", "127.0.0.1:0", "--write-env", file}, e.getenv, strings.NewReader(""), &stdout, &stderr)
	require.Equal(t, 2, code, stderr.String())
	require.Contains(t, stderr.String(), "--write-env")
	require.Empty(t, stdout.String(), "nothing was served")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.Equal(t, project, string(data), "the project's file is untouched")

	for _, earlier := range []string{"export CONVOX_HOST=https://127.0.0.1:5443\nexport CONVOX_APP=example-app\n", ""} {
		require.NoError(t, os.WriteFile(file, []byte(earlier), 0o600))
		p, _, lines := e.startSimulate(t, nil, "--write-env", file)
		data, err = os.ReadFile(file)
		require.NoError(t, err)
		require.Equal(t, strings.Join(lines, "\n")+"\n", string(data))
		stopSimulate(t, p)
	}
}
