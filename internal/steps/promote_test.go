package steps

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
)

// laggyRack is a simulated Rack whose controller writes the app's status
// and release some time after a promote returns, as a busy real Rack does.
func laggyRack(t *testing.T, lag, rollout time.Duration) (*racksim.Server, *pipeline.State) {
	t.Helper()
	sim, url := racksimtest.Start(t, racksim.Options{
		Password: simPassword, Apps: []string{simApp}, RolloutDuration: rollout, ControllerLag: lag,
	})
	return sim, stateFor(t, url)
}

func newEnvRelease(t *testing.T, st *pipeline.State, env string) string {
	t.Helper()
	r, err := st.Rack.ReleaseCreate(context.Background(), simApp, rack.ReleaseCreateOptions{Env: &env})
	require.NoError(t, err)
	return r.ID
}

// appReads counts the app polls.
func appReads(polls []racksim.Request) int {
	n := 0
	for _, r := range polls {
		if r.Method == "GET" && r.Path == "/apps/"+simApp {
			n++
		}
	}
	return n
}

func TestPromoteWaitsForALaggingController(t *testing.T) {
	sim, st := laggyRack(t, 800*time.Millisecond, 50*time.Millisecond)
	old, _ := sim.Rack("").App(simApp)
	id := newEnvRelease(t, st, "A=1")
	before := len(sim.Requests())
	require.NoError(t, runStep(t, st, Promote{Release: id}))
	app, _ := sim.Rack("").App(simApp)
	require.Equal(t, id, app.Release)
	require.Greater(t, appReads(sim.Requests()[before:]), 3, "the app read running on %s for a while and that was not taken for a rollback", old.Release)
}

func TestRollbackBehindALaggingControllerIsSeen(t *testing.T) {
	sim, st := laggyRack(t, 300*time.Millisecond, 100*time.Millisecond)
	old, _ := sim.Rack("").App(simApp)
	sim.RollbackNextPromote(simApp)
	id := newEnvRelease(t, st, "A=1")
	err := runStep(t, st, Promote{Release: id})
	var rb *RollbackError
	require.True(t, errors.As(err, &rb), "got %v", err)
	require.Equal(t, RollbackError{Release: id, Active: old.Release}, *rb)
}

func TestPromotionNeverAppliedFailsAfterTheGrace(t *testing.T) {
	defer func(d time.Duration) { notAppliedGrace = d }(notAppliedGrace)
	notAppliedGrace = 300 * time.Millisecond
	sim, st := laggyRack(t, time.Hour, 50*time.Millisecond)
	old, _ := sim.Rack("").App(simApp)
	id := newEnvRelease(t, st, "A=1")
	err := runStep(t, st, Promote{Release: id})
	require.ErrorIs(t, err, ErrRolledBack)
	require.ErrorContains(t, err, "the app kept running "+old.Release+" and never reported updating: the promotion was not applied")
}

func TestPromoteSupersededByANewerRelease(t *testing.T) {
	sim, st := laggyRack(t, 400*time.Millisecond, 50*time.Millisecond)
	ours := newEnvRelease(t, st, "A=1")
	newer := newEnvRelease(t, st, "A=2")
	done := make(chan error, 1)
	go func() { done <- runStep(t, st, Promote{Release: ours}) }()
	require.Eventually(t, func() bool { return len(sim.Rack("").Promotions(simApp)) == 1 }, 10*time.Second, 5*time.Millisecond)
	// someone else promotes a newer release while the controller has not yet
	// picked ours up: the app reads running, so the Rack accepts it
	require.NoError(t, st.Rack.ReleasePromote(context.Background(), simApp, newer, rack.PromoteOptions{}))
	err := <-done
	var sup *SupersededError
	require.True(t, errors.As(err, &sup), "got %v", err)
	require.Equal(t, SupersededError{Release: ours, Active: newer}, *sup)
	require.NotErrorIs(t, err, ErrRolledBack)
	require.Equal(t, []string{ours, newer}, sim.Rack("").Promotions(simApp))
}

// Moved here from issue 12: a status the rollout never passes through is
// named in the log and fails after a bounded wait, naming it.
func TestUnknownAppStatusFailsAfterABoundedWait(t *testing.T) {
	defer func(d time.Duration) { unknownStatusLimit = d }(unknownStatusLimit)
	unknownStatusLimit = 200 * time.Millisecond
	for _, tc := range []struct {
		name  string
		force bool // no wait before the promote: the rollout wait sees it
	}{{name: "before the promote"}, {name: "during the rollout", force: true}} {
		t.Run(tc.name, func(t *testing.T) {
			sim, st := laggyRack(t, 0, 50*time.Millisecond)
			id := newEnvRelease(t, st, "A=1")
			sim.Respond("GET", "/apps/"+simApp, 200, `{"name":"myapp","status":"unknown","release":"RPREVIOUSXX"}`, 1000)
			err := runStep(t, st, Promote{Release: id, Force: tc.force})
			var se *StatusError
			require.True(t, errors.As(err, &se), "got %v", err)
			require.Equal(t, "unknown", se.Status)
			require.Equal(t, tc.force, len(sim.Rack("").Promotions(simApp)) == 1, "promoted only when forced past the first wait")
			require.ErrorContains(t, err, `the app's status has been "unknown" (neither running, updating nor rollback)`)
		})
	}
}

func TestPromotePassesTheTimeLeftToTheRack(t *testing.T) {
	sim, st := laggyRack(t, 0, 50*time.Millisecond)
	id := newEnvRelease(t, st, "A=1")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	require.NoError(t, pipeline.Run(ctx, st, []pipeline.Step{Promote{Release: id}}))
	var got []string
	for _, r := range sim.Requests() {
		if r.Method == "POST" && r.Path == "/apps/"+simApp+"/releases/"+id+"/promote" {
			got = append(got, r.Form.Get("timeout"))
		}
	}
	require.Len(t, got, 1)
	require.Contains(t, []string{"89", "90"}, got[0], "seconds left of the step's deadline, as the Rack's rollout timeout")
}

// A rollback status is not the verdict: the Rack shows it while it reverts
// a newer promote that failed (and the atom's previous version may be ours:
// provider/k8s and pkg/atom set Spec.CurrentVersion back to
// Spec.PreviousVersion), so the real CLI waits for running and then
// compares the release (pkg/cli releases.go, WaitForAppWithLogs). Here the
// app reads rollback on our release twice, then runs it: that is success.
func TestRollbackStatusThatSettlesOnOurReleaseIsSuccess(t *testing.T) {
	sim, st := laggyRack(t, 0, 50*time.Millisecond)
	old, _ := sim.Rack("").App(simApp)
	id := newEnvRelease(t, st, "A=1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, promoteOnce(ctx, st, id, rack.PromoteOptions{}))
	sim.Respond("GET", "/apps/"+simApp, 200, `{"name":"`+simApp+`","generation":"3","status":"rollback","release":"`+id+`"}`, 2)
	before := len(sim.Requests())
	_, err := waitApp(ctx, st, id, old.Release, "waiting for the rollout")
	require.NoError(t, err)
	require.Greater(t, appReads(sim.Requests()[before:]), 2, "the app was read past its rollback status")
}

// A rollback status that never settles on a release is still the verdict,
// after rollbackSettleLimit (a first deploy's failed revert can stay there).
func TestRollbackStatusThatNeverSettlesIsARollback(t *testing.T) {
	defer func(d time.Duration) { rollbackSettleLimit = d }(rollbackSettleLimit)
	rollbackSettleLimit = 200 * time.Millisecond
	sim, st := laggyRack(t, 0, 50*time.Millisecond)
	old, _ := sim.Rack("").App(simApp)
	id := newEnvRelease(t, st, "A=1")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, promoteOnce(ctx, st, id, rack.PromoteOptions{}))
	sim.Respond("GET", "/apps/"+simApp, 200, `{"name":"`+simApp+`","generation":"3","status":"rollback","release":"`+old.Release+`"}`, 1000)
	_, err := waitApp(ctx, st, id, old.Release, "waiting for the rollout")
	var rb *RollbackError
	require.True(t, errors.As(err, &rb), "got %v", err)
	require.Equal(t, RollbackError{Release: id, Active: old.Release}, *rb)
}

func TestCheckReleaseID(t *testing.T) {
	for _, id := range []string{"RABCDEFGHIJ", "RWRGESXMQQX", "R1", "r-lower_case.9", "RÄ"} {
		require.NoError(t, CheckReleaseID(id), id)
	}
	for _, id := range []string{"R1 R2", "R1\tR2", "RABC\n", "R1\x00", "R1\u00a0", "../R1", "R1?x=1", "R1#f", "R1%2F"} {
		require.ErrorContains(t, CheckReleaseID(id), "cannot be a release", "%q", id)
	}
}
