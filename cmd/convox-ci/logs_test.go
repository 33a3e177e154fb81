package main

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// jsonLines parses every line of a JSON log, failing on one that is not
// JSON (GitHub's :: workflow commands are skipped, as documented).
func jsonLines(t *testing.T, s string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if strings.HasPrefix(line, "::") {
			continue
		}
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &m), "not a JSON line: %q", line)
		out = append(out, m)
	}
	return out
}

// logMessages is a log's text: each JSON line's message, other lines as
// they are.
func logMessages(t *testing.T, s string) string {
	t.Helper()
	var b strings.Builder
	for _, line := range strings.Split(s, "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			fmt.Fprintln(&b, m["message"])
		} else {
			fmt.Fprintln(&b, line)
		}
	}
	return b.String()
}

// JSON logs: times to the millisecond, and every duration's unit in its
// name.
func TestJSONLogsHaveMillisecondTimesAndDurationUnits(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	durations := 0
	for _, m := range jsonLines(t, res.stderr) {
		require.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`, m["time"])
		for k, v := range m {
			if strings.Contains(k, "duration") || strings.Contains(k, "elapsed") || k == "took" || k == "limit" {
				require.True(t, strings.HasSuffix(k, "_ms"), "duration field %q has no unit in its name", k)
				require.IsType(t, float64(0), v)
				require.Equal(t, float64(int64(v.(float64))), v, "%s is whole milliseconds", k)
				durations++
			}
		}
	}
	require.NotZero(t, durations)
}

// Console logs are for people: durations read 1.2s or 11ms, and a build's
// output lines carry no app=, build=, rack=, stream= each.
func TestConsoleLogsAreReadable(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.set("CONVOX_CI_LOG_FORMAT", "console")
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	require.NotRegexp(t, `duration(_ms)?=\d+\.\d{4,}`, res.stderr)
	require.Regexp(t, `duration=\d+(\.\d)?(ms|s|µs)\b`, res.stderr)
	var step string
	for _, line := range strings.Split(res.stderr, "\n") {
		if strings.Contains(line, "Step 1/2 : FROM scratch") {
			step = line
		}
	}
	require.Regexp(t, regexp.MustCompile(`^\S+ INF Step 1/2 : FROM scratch$`), step, "a build output line is the time, the level and the line")
}

// One failure, one ERR line; the remote command's status and ours are
// named apart.
func TestAFailureIsOneErrorLine(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.sim.FailNextBuild(testApp, "exit status 2 in RUN make")
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 1, res.code, res.stderr)
	errs := 0
	for _, m := range jsonLines(t, res.stderr) {
		if m["level"] == "error" {
			errs++
			require.Contains(t, m["message"], "exit status 2 in RUN make")
		}
	}
	require.Equal(t, 1, errs, res.stderr)

	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) { return "", 3 })
	res = rk.run(t, nil, "run", "web", "bin/migrate")
	require.Equal(t, 3, res.code, res.stderr)
	var remote, ours []any
	for _, m := range jsonLines(t, res.stderr) {
		if v, ok := m["command_exit_code"]; ok {
			remote = append(remote, v)
		}
		if v, ok := m["exit_code"]; ok {
			ours = append(ours, v)
		}
	}
	require.Equal(t, []any{float64(3)}, remote, "the remote command's status")
	require.Equal(t, []any{float64(3)}, ours, "convox-ci's own exit status, once")
}

// With JSON logs even a usage error is a JSON line.
func TestUsageErrorsAreJSONWithJSONLogs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.set("CONVOX_CI_LOG_FORMAT", "")
	for _, args := range [][]string{
		{"--log-format", "json", "nosuchcommand"},
		{"--log-format=json", "deploy", "--no-such-flag"},
		{"--log-format", "json", "releases"},
		{"--log-format", "json", "--log-level", "loud", "version"},
	} {
		res := e.run(t, nil, args...)
		require.Equal(t, 2, res.code, res.stderr)
		lines := jsonLines(t, res.stderr)
		require.Len(t, lines, 1, res.stderr)
		require.Equal(t, "error", lines[0]["level"])
		require.Equal(t, float64(2), lines[0]["exit_code"])
	}
	res := e.run(t, nil, "--log-format", "json", "nosuchcommand")
	require.Contains(t, res.stderr, `\"nosuchcommand\" is neither a command nor a directory`)

	e.set("CONVOX_CI_LOG_FORMAT", "json")
	res = e.run(t, nil, "releases")
	require.Len(t, jsonLines(t, res.stderr), 1)

	e.set("CONVOX_CI_LOG_FORMAT", "")
	res = e.run(t, nil, "nosuchcommand")
	require.True(t, strings.HasPrefix(res.stderr, "convox-ci: "), "plain without JSON logs: %s", res.stderr)
}
