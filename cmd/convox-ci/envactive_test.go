package main

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// Without --release, env set builds on the active release, not the newest:
// after a build that was never promoted, the newest release carries that
// build, and promoting an env release forked from it would put it live.
func TestEnvSetBuildsOnTheActiveReleaseAfterAnUnpromotedBuild(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	require.Equal(t, 0, rk.run(t, nil, "env", "set", "A=1", "B=2", "--replace", "--promote").code)
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	live := rk.sim.Rack("").Builds(testApp)[0].ID
	res = rk.run(t, nil, "build", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	unpromoted := rk.sim.Rack("").Builds(testApp)[0].ID
	require.NotEqual(t, live, unpromoted)

	res = rk.run(t, nil, "env", "set", "C=3", "--promote") // merge mode reads the active release's env
	require.Equal(t, 0, res.code, res.stderr)
	rel := rk.sim.Rack("").Releases(testApp)[0]
	require.Equal(t, live, rel.Build, "the build that was live, not the unpromoted %s", unpromoted)
	require.Equal(t, "A=1\nB=2\nC=3", rel.Env)

	res = rk.run(t, nil, "env", "set", "A=9", "--replace", "--promote")
	require.Equal(t, 0, res.code, res.stderr)
	rel = rk.sim.Rack("").Releases(testApp)[0]
	require.Equal(t, live, rel.Build)
	require.Equal(t, "A=9", rel.Env)
	app, _ := rk.sim.Rack("").App(testApp)
	require.Equal(t, rel.ID, app.Release)
}
