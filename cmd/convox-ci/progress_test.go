package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// In a CI log (no terminal) long waits log a progress line every
// --progress-interval (10 s by default; here a few milliseconds against a
// build and a rollout of 300 ms each); a deploy ends with one line naming
// app, rack, release, commit and elapsed time, and prints the ids as build
// does.
func TestDeployShowsProgressAndEndsWithASummary(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{BuildDuration: 300 * time.Millisecond, RolloutDuration: 300 * time.Millisecond})
	github(t, rk, "refs/heads/master")
	res := rk.run(t, nil, "deploy", "--progress-interval", "5ms", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)

	builds := rk.sim.Rack("").Builds(testApp)
	build, release := builds[0].ID, builds[0].Release
	require.Equal(t, "Build:   "+build+"\nRelease: "+release+"\n", res.stdout, "deploy prints the ids as build does")
	require.Contains(t, res.stderr, `"message":"build `+build+` running: `)
	require.Contains(t, res.stderr, `"message":"waiting for the rollout: release `+release+`, app updating, `)

	var lines []string // the log's lines, not GitHub's workflow commands
	for _, line := range strings.Split(strings.TrimSpace(res.stderr), "\n") {
		if !strings.HasPrefix(line, "::") {
			lines = append(lines, line)
		}
	}
	var last map[string]any
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &last))
	require.Regexp(t, `^deployed release `+release+`: app `+testApp+` on rack 127\.0\.0\.1:\d+, commit `+testSha[:10]+`, in \d`, last["message"])
	require.Equal(t, release, last["release"])
	require.Contains(t, last, "elapsed_ms")
}

// --progress-interval 0 turns the lines off.
func TestProgressLinesCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{BuildDuration: 100 * time.Millisecond})
	res := rk.run(t, nil, "build", "--progress-interval", "0", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	require.NotContains(t, res.stderr, " running: ")
	require.Contains(t, res.stderr, `"message":"built release `)
}
