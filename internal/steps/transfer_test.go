package steps

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
	"github.com/convox-ci/convox-ci/internal/report"
)

const testCommit = "0123456789abcdef0123456789abcdef01234567"

// consoleStates serves racks through a simulated Console and returns a
// state per rack, each able to connect to the others by name.
func consoleStates(t *testing.T, racks ...string) (*racksim.Server, map[string]*pipeline.State) {
	t.Helper()
	return consoleStatesWith(t, racksim.Options{}, racks...)
}

// consoleStatesWith is consoleStates with more options (a deploy key, a
// controller lag).
func consoleStatesWith(t *testing.T, opts racksim.Options, racks ...string) (*racksim.Server, map[string]*pipeline.State) {
	t.Helper()
	opts.Password, opts.Apps, opts.Console, opts.Racks = simPassword, []string{simApp}, true, racks
	sim, url := racksimtest.Start(t, opts)
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	connect := func(ep pipeline.Endpoint) (*rack.Client, error) {
		return rack.New(rack.Config{Host: url, Password: simPassword, Rack: ep.Rack, Logger: log,
			RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
	}
	states := map[string]*pipeline.State{}
	for _, name := range racks {
		c, err := connect(pipeline.Endpoint{Rack: name})
		require.NoError(t, err)
		states[name] = &pipeline.State{
			Rack: c, RackName: name, App: simApp, Log: log.With().Str("rack", name).Logger(), Stdout: io.Discard, Secrets: report.NewSecrets(),
			Connect: connect, Poll: pipeline.Poll{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond}, Commit: testCommit,
		}
	}
	return sim, states
}

func run(t *testing.T, st *pipeline.State, list ...pipeline.Step) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return pipeline.Run(ctx, st, list)
}

func importsOn(sim *racksim.Server, name string) int {
	n := 0
	for _, r := range sim.Requests() {
		if r.Method == "POST" && r.Rack == name && strings.HasSuffix(r.Path, "/builds/import") {
			n++
		}
	}
	return n
}

func TestTheTagCarriesTheCommitAndOptions(t *testing.T) {
	_, states := consoleStates(t, "org/staging")
	st := states["org/staging"]
	require.NoError(t, run(t, st, Build{Dir: appSource(t), Description: "build 0123456789 branch main", NoCache: true, BuildArgs: []string{"B=2", "A=1"}}))
	b, err := st.Rack.BuildGet(context.Background(), simApp, st.BuildID)
	require.NoError(t, err)
	require.Regexp(t, `^build 0123456789 branch main \[convox-ci:[0-9a-f]{12} commit=`+testCommit+` no-cache build-args=[0-9a-f]{12}\]$`, b.Description)
	tag, ok := ParseTag(b.Description)
	require.True(t, ok)
	require.Equal(t, buildTag(tag.Marker, rack.BuildCreateOptions{GitSha: testCommit, NoCache: true, BuildArgs: []string{"A=1", "B=2"}}), tag,
		"parsed back whole; build args compared by digest, whatever their order")
	require.NotContains(t, b.Description, "A=1", "build arg values may be secret")
}

func TestImportChainFindsTheCommitAndImportsOnce(t *testing.T) {
	sim, states := consoleStates(t, "org/staging", "org/production", "org/dr")
	staging, production, dr := states["org/staging"], states["org/production"], states["org/dr"]
	require.NoError(t, run(t, staging, Build{Dir: appSource(t), Description: "build 0123456789 branch main"}))
	source := staging.BuildID

	require.NoError(t, run(t, production, Import{From: "org/staging"}, Promote{}))
	first := production.BuildID
	imported := sim.Rack("org/production").Builds(simApp)[0]
	require.Equal(t, first, imported.ID)
	require.Empty(t, imported.GitSha, "the Rack drops git-sha on import")
	require.Equal(t, testCommit, CommitOf(imported), "the commit survives in the description")

	// a re-run of the same pipeline: the earlier import is reused
	production.BuildID, production.ReleaseID = "", ""
	require.NoError(t, run(t, production, Import{From: "org/staging"}, Promote{}))
	require.Equal(t, first, production.BuildID)
	require.Equal(t, 1, importsOn(sim, "org/production"), "imported once")
	require.Len(t, sim.Rack("org/production").Builds(simApp), 2, "the seeded build and one import")

	// the next link of the chain finds the commit's build on production, which has no git-sha
	require.NoError(t, run(t, dr, Import{From: "org/production"}, Promote{}))
	drBuild := sim.Rack("org/dr").Builds(simApp)[0]
	require.Equal(t, dr.BuildID, drBuild.ID)
	require.Equal(t, testCommit, CommitOf(drBuild))
	var exported []string
	for _, r := range sim.Requests() {
		if strings.Contains(r.Path, "/builds/") && strings.HasSuffix(r.Path, ".tgz") {
			exported = append(exported, r.Rack+" "+r.Path)
		}
	}
	require.Equal(t, []string{"org/staging /apps/myapp/builds/" + source + ".tgz", "org/production /apps/myapp/builds/" + first + ".tgz"}, exported)
	app, _ := sim.Rack("org/dr").App(simApp)
	require.Equal(t, dr.ReleaseID, app.Release)
}

// A reused import whose release is no longer the newest (an env release
// came after it) gets a new release: promoting the old one would be refused
// as older than the active release.
func TestReusedImportGetsAFreshReleaseWhenItsOwnIsOld(t *testing.T) {
	sim, states := consoleStates(t, "org/staging", "org/production")
	staging, production := states["org/staging"], states["org/production"]
	require.NoError(t, run(t, staging, Build{Dir: appSource(t)}))
	require.NoError(t, run(t, production, Import{From: "org/staging"}, Env{Vars: []EnvVar{{Key: "A", Value: "1"}}}, Promote{}))
	importRelease := sim.Rack("org/production").Builds(simApp)[0].Release
	production.BuildID, production.ReleaseID = "", ""
	require.NoError(t, run(t, production, Import{From: "org/staging"}, Promote{}))
	require.NotEqual(t, importRelease, production.ReleaseID)
	rel := sim.Rack("org/production").Releases(simApp)[0]
	require.Equal(t, production.ReleaseID, rel.ID)
	require.Equal(t, "A=1", rel.Env, "the environment of the newest release, as an import would take")
	require.Equal(t, 1, importsOn(sim, "org/production"))
}

// A Console deploy key may not read releases: the rollout wait and the
// reuse of an import do without them.
func TestDeployKeyChainWithALaggingController(t *testing.T) {
	sim, states := consoleStatesWith(t, racksim.Options{DeployKey: true, ControllerLag: 200 * time.Millisecond}, "org/staging", "org/production")
	staging, production := states["org/staging"], states["org/production"]
	require.NoError(t, run(t, staging, Build{Dir: appSource(t)}, Promote{}))
	for range 2 {
		production.BuildID, production.ReleaseID = "", ""
		require.NoError(t, run(t, production, Import{From: "org/staging"}, Promote{}))
	}
	require.Equal(t, 1, importsOn(sim, "org/production"))
	app, _ := sim.Rack("org/production").App(simApp)
	require.Equal(t, production.ReleaseID, app.Release)
}
