package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/steps"
)

// staging -> production -> dr through Console: a re-run imports nothing
// again, and the middle rack's imported build (which has no git-sha) is
// found by the commit its description carries.
func TestBuildsPromoteChainImportsOnceAndFindsTheImportedBuild(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production", "org/dr"}})
	rk.set("CONVOX_RACK", "org/staging")
	rk.set("CIRCLECI", "true")
	rk.set("CIRCLE_BRANCH", "master")
	rk.set("CIRCLE_SHA1", testSha)
	require.Equal(t, 0, rk.run(t, nil, "build", appDir(t)).code)
	built := rk.sim.Rack("org/staging").Builds(testApp)[0]
	require.Contains(t, built.Description, "commit="+testSha)

	for range 2 {
		res := rk.run(t, nil, "builds", "promote", "--from", "org/staging", "-r", "org/production")
		require.Equal(t, 0, res.code, res.stderr)
	}
	imports := 0
	for _, r := range rk.sim.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/builds/import") {
			imports++
		}
	}
	require.Equal(t, 1, imports, "two runs, one import")
	prod := rk.sim.Rack("org/production").Builds(testApp)
	require.Len(t, prod, 2, "the seeded build and one import")
	require.Empty(t, prod[0].GitSha)

	res := rk.run(t, nil, "builds", "promote", "--from", "org/production", "-r", "org/dr")
	require.Equal(t, 0, res.code, res.stderr)
	dr := rk.sim.Rack("org/dr").Builds(testApp)[0]
	require.Equal(t, built.Description, dr.Description, "staging's build, through production")
	require.Equal(t, testSha, steps.CommitOf(dr))
	app, _ := rk.sim.Rack("org/dr").App(testApp)
	require.Equal(t, dr.Release, app.Release)
}
