package main

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

const perRackRules = `app: myapp
targets:
  staging:
    branches: [master]
    rack: org/staging
    steps: [deploy]
  production:
    tags: ["v*"]
    rack: org/production
    host: ${PRODUCTION_CONVOX_HOST}
    password: ${PRODUCTION_CONVOX_PASSWORD}
    steps:
      - import: {from: org/staging}
      - promote
`

const productionKey = "production-key-9d41e7"

// One Rack API key per Rack, no Console: the production target carries its
// own host and password, the import's source falls back to the global ones.
func TestTargetsWithTheirOwnRackCredentials(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Name: "staging"})
	prodSim := racksim.New(racksim.Options{Name: "production", Password: productionKey, Apps: []string{testApp},
		BuildDuration: 50 * time.Millisecond, RolloutDuration: 50 * time.Millisecond})
	prodSrv := httptest.NewServer(prodSim)
	t.Cleanup(func() { prodSrv.Close(); prodSim.Close() })
	dir := appDir(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(perRackRules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	rk.set("PRODUCTION_CONVOX_HOST", prodSrv.URL)
	rk.set("PRODUCTION_CONVOX_PASSWORD", productionKey)

	github(t, rk, "refs/heads/master")
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	built := rk.sim.Rack("").Builds(testApp)[0]
	require.Empty(t, prodSim.Rack("").Builds(testApp)[1:], "staging's deploy never touched production")

	github(t, rk, "refs/tags/v1.0.0")
	res = rk.run(t, nil, "ci", dir)
	require.Equal(t, 0, res.code, res.stderr)
	imported := prodSim.Rack("").Builds(testApp)[0]
	require.Equal(t, built.Description, imported.Description, "staging's build, imported into production")
	app, _ := prodSim.Rack("").App(testApp)
	require.Equal(t, imported.Release, app.Release)
	require.Len(t, rk.sim.Rack("").Builds(testApp), 2, "nothing imported into staging")
	require.NotContains(t, withoutMasks(res.stderr), productionKey)
	require.Contains(t, res.stderr, "::add-mask::"+productionKey, "masked as a secret under GitHub Actions")
	require.NotContains(t, res.stdout, productionKey)
}

func TestARulesFilePasswordMustBeAVariable(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	dir := appDir(t)
	literal := "literal-key-5e0c11"
	rules := "app: myapp\ntargets:\n  production:\n    tags: [\"v*\"]\n    rack: org/production\n    host: rack.example.org\n    password: " + literal + "\n    steps: [deploy]\n"
	require.NoError(t, os.WriteFile(filepath.Join(dir, "convox-ci.yml"), []byte(rules), 0o644))
	rk.set("CONVOX_CI_CONFIG", filepath.Join(dir, "convox-ci.yml"))
	github(t, rk, "refs/tags/v1.0.0")
	res := rk.run(t, nil, "ci", dir)
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "password must be a ${VAR}")
	require.NotContains(t, res.stderr, literal)
	require.Empty(t, rk.sim.Requests(), "nothing sent")
}
