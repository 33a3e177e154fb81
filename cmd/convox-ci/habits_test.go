package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/wiretest"
)

// run --detach makes the one request the Convox CLI makes (the run-detach
// recording): a process start carrying the command; it prints the process
// id and waits for nothing.
func TestRunDetachStartsTheCommandAndReturns(t *testing.T) {
	t.Parallel()
	tr := wiretest.MustLoad(t, "run-detach")
	for _, args := range [][]string{
		{"run", "web", "bin/migrate", "--detach", "--app", "myapp"},
		{"run", "-d", "-a", "myapp", "web", "bin/migrate"},
	} {
		rp := wiretest.NewReplayer(t, tr)
		e := newEnv(t)
		e.set("RACK_URL", strings.Replace(rp.URL(), "http://", "http://convox:s3cr3t@", 1))
		res := e.run(t, nil, args...)
		require.Equal(t, 0, res.code, res.stderr)
		require.Equal(t, "web-5f7c9-abcde\n", res.stdout, "only the process id on stdout")
		require.Empty(t, rp.Unmatched(), "requests the real CLI did not make")
		got := rp.Received()
		require.Len(t, got, 1, "one request: the process start")
		want := tr.Exchange(got[0].N).Request
		require.Equal(t, want.Method+" "+want.Target, got[0].Method+" "+got[0].Target)
		require.Equal(t, want.Header.Get("Command"), got[0].Header.Get("Command"))
		require.Empty(t, got[0].Header.Get("Release"))
	}
}

// Against the simulated Rack: the process runs the command itself (no
// sleep-and-exec), nothing is stopped afterwards, and --release is sent.
func TestRunDetachRunsTheCommandAsTheProcess(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	build := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, build.code, build.stderr)
	res := rk.run(t, nil, "run", "web", "bin/migrate --all", "-d", "--release", build.stdout)
	require.Equal(t, 0, res.code, res.stderr)
	var starts, stops int
	for _, r := range rk.sim.Requests() {
		switch {
		case r.Method == "POST" && strings.HasSuffix(r.Path, "/services/web/processes"):
			starts++
			require.Equal(t, "bin/migrate --all", r.Header.Get("Command"))
			require.Equal(t, build.stdout, r.Header.Get("Release"))
		case r.Method == "DELETE":
			stops++
		}
	}
	require.Equal(t, 1, starts)
	require.Zero(t, stops, "a detached process is left to run")
	require.Regexp(t, `^\S+\n$`, res.stdout)
}

// logs --no-follow, the Convox CLI's habit, prints what is there and ends.
func TestLogsNoFollow(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "logs", "--no-follow")
	require.Equal(t, 0, res.code, res.stderr)
	seen := 0
	for _, r := range rk.sim.Requests() {
		if strings.HasSuffix(r.Path, "/logs") {
			seen++
			require.Equal(t, "false", r.Header.Get("Follow"), "not followed")
		}
	}
	require.Equal(t, 1, seen)
}

// releases promote without an id says what to pass, and sends nothing.
func TestReleasesPromoteWithoutAnIDSaysWhatToPass(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "releases", "promote")
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "convox-ci releases promote RABCDEFGHIJ")
	require.Contains(t, res.stderr, "convox-ci builds")
	require.Empty(t, rk.sim.Requests())
}
