package steps

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

func TestRollbackPutsThePreviousBuildLiveWithTheCurrentEnvironment(t *testing.T) {
	l := newLossyRack(t)
	st := l.state(t)
	rs := l.sim.Rack("")
	first := rs.Builds(simApp)[0] // the seeded build, live at start
	require.NoError(t, deploy(t, st))
	deployed := st.BuildID
	require.NoError(t, runStep(t, st, Env{Vars: []EnvVar{{Key: "A", Value: "1"}}, Promote: true})) // same build, new env
	envRelease := st.ReleaseID
	require.NoError(t, runStep(t, st, Build{Dir: appSource(t)})) // a newer build, never promoted
	unpromoted := st.BuildID

	// the Rack refuses to promote an older release: that is why rollback exists
	err := st.Rack.ReleasePromote(context.Background(), simApp, first.Release, rack.PromoteOptions{})
	require.ErrorContains(t, err, "can not promote an older release, try rollback")

	st = l.state(t)
	require.NoError(t, runStep(t, st, Rollback{}))
	app, _ := rs.App(simApp)
	require.Equal(t, st.ReleaseID, app.Release, "the rollback release is live")
	rels := rs.Releases(simApp)
	require.Equal(t, app.Release, rels[0].ID, "a new release, the newest")
	require.Equal(t, first.ID, rels[0].Build, "the build before the deployed one (%s), not the unpromoted %s", deployed, unpromoted)
	require.Equal(t, "A=1", rels[0].Env, "the environment of the release that was active (%s)", envRelease)
	require.Regexp(t, `^rollback to R[A-Z]{10} \(build `+first.ID+`\)`, rels[0].Description)
}

func TestRollbackToANamedRelease(t *testing.T) {
	l := newLossyRack(t)
	st := l.state(t)
	require.NoError(t, deploy(t, st))
	deployedRelease, deployedBuild := st.ReleaseID, st.BuildID
	require.NoError(t, deploy(t, st))
	require.NoError(t, runStep(t, l.state(t), Rollback{Release: deployedRelease}))
	app, _ := l.sim.Rack("").App(simApp)
	rel := l.sim.Rack("").Releases(simApp)[0]
	require.Equal(t, rel.ID, app.Release)
	require.Equal(t, deployedBuild, rel.Build)
}

func TestRollbackRefusesWhatWouldChangeNothing(t *testing.T) {
	l := newLossyRack(t)
	st := l.state(t)
	require.NoError(t, deploy(t, st))
	deployed := st.ReleaseID
	require.NoError(t, runStep(t, st, Env{Vars: []EnvVar{{Key: "A", Value: "1"}}, Promote: true}))
	before := len(l.sim.Rack("").Releases(simApp))
	err := runStep(t, l.state(t), Rollback{Release: deployed})
	require.ErrorContains(t, err, "has the build the app runs already")
	require.Len(t, l.sim.Rack("").Releases(simApp), before, "nothing created")

	fresh := newLossyRack(t) // only the seeded release: nothing older
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err = pipeline.Run(ctx, fresh.state(t), []pipeline.Step{Rollback{}})
	require.ErrorContains(t, err, "nothing to roll back to")
}
