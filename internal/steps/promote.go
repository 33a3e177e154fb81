package steps

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"
	"unicode"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/report"
)

// Promote promotes a release and waits until the app runs it, or the Rack
// rolls it back, or a newer release supersedes it.
type Promote struct {
	Release string // "" promotes the release an earlier step made
	Force   bool
}

func (Promote) String() string { return "promoting" }

// How long the rollout wait tolerates what a busy Rack shows for a while.
//
// The app's status and release are namespace annotations that Convox's
// controller writes after the promote has returned (provider/k8s
// controller_atom.go): until it does, the app still reads running on the
// old release. So running on an older release only means "rolled back" once
// the app was seen updating or rolling back; before that it is a controller
// that has not caught up, and only notAppliedGrace of it counts as a
// promotion that was never applied.
var (
	notAppliedGrace    = 2 * time.Minute
	unknownStatusLimit = 2 * time.Minute
	// rollbackSettleLimit: how long a rollback status may last before it
	// is the verdict without the app settling on a release.
	rollbackSettleLimit = 2 * time.Minute
)

// Run promotes and waits for the rollout.
func (p Promote) Run(ctx context.Context, st *pipeline.State) error {
	id := p.Release
	if id == "" {
		id = st.ReleaseID
	}
	if id == "" {
		return fmt.Errorf("nothing to promote: no earlier step made a release (add a build, env or import step before promote, or name the release)")
	}
	return promoteAndWait(ctx, st, id, p.Force)
}

// promoteAndWait waits for the app to be running (unless force), promotes
// release id, passing the time left as the Rack's rollout timeout, and waits
// for the rollout.
func promoteAndWait(ctx context.Context, st *pipeline.State, id string, force bool) error {
	var previous string // the release live before the promote: running on it is never "newer"
	if !force {
		app, err := waitApp(ctx, st, "", "", "waiting for the app to finish its current update")
		if err != nil {
			return err
		}
		previous = app.Release
	} else if app, err := st.Rack.AppGet(ctx, st.App); err == nil {
		previous = app.Release
	}
	opts := rack.PromoteOptions{Force: force}
	if dl, ok := ctx.Deadline(); ok {
		// the Rack's own rollout timeout (default 3000 s) never outlives ours
		opts.Timeout = max(time.Until(dl), time.Second)
	}
	st.Log.Info().Str("release", id).Msg("promoting release")
	if err := promoteOnce(ctx, st, id, opts); err != nil {
		return fmt.Errorf("promoting release %s: %w", id, err)
	}
	if _, err := waitApp(ctx, st, id, previous, "waiting for the rollout"); err != nil {
		return err
	}
	st.ReleaseID = id
	st.Promoted = true
	st.Log.Info().Str("release", id).Msg("release promoted and running")
	return nil
}

// waitApp polls the app until it is running. With a release id, it also
// requires that release to be the active one (previous, the release live
// before the promote, is known to be older): running on a newer release
// is a *SupersededError; running on an older release after the app was seen
// updating or rolling back (or for notAppliedGrace without that), or a
// rollback status lasting rollbackSettleLimit, is a *RollbackError. A
// status that is neither running, updating nor rollback is logged and fails
// after unknownStatusLimit.
func waitApp(ctx context.Context, st *pipeline.State, release, previous, what string) (*rack.App, error) {
	interval := st.Poll.Min
	sawMoving := false // updating or rollback seen since the promote
	var otherSince, unknownSince, rollbackSince time.Time
	created := map[string]time.Time{}
	unordered := false // the releases could not be read: no superseded verdict
	newer := func(other string) (bool, error) {
		if unordered || other == previous {
			return false, nil
		}
		for _, id := range []string{release, other} {
			if _, ok := created[id]; ok {
				continue
			}
			r, err := st.Rack.ReleaseGet(ctx, st.App, id)
			if err != nil {
				if ctx.Err() != nil {
					return false, fmt.Errorf("%s: reading release %s: %w", what, id, err)
				}
				// A deploy key may not read releases: without their
				// creation times another release counts as older.
				st.Log.Warn().Err(err).Str("release", id).Msg("cannot read the releases to tell a newer release from a rollback; another release running counts as a rollback")
				unordered = true
				return false, nil
			}
			created[id] = r.Created
		}
		return created[other].After(created[release]), nil
	}
	var state atomic.Value
	state.Store("promoting")
	started := time.Now()
	defer st.Track(func() string {
		if release == "" {
			return fmt.Sprintf("%s: app %s, %s", what, state.Load(), report.Elapsed(time.Since(started)))
		}
		return fmt.Sprintf("%s: release %s, app %s, %s", what, release, state.Load(), report.Elapsed(time.Since(started)))
	})()
	for {
		app, err := st.Rack.AppGet(ctx, st.App)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if app.Status != "" {
			state.Store(app.Status)
		}
		if app.Status != rack.AppRunning && app.Status != rack.AppUpdating && app.Status != rack.AppRollback {
			if unknownSince.IsZero() {
				unknownSince = time.Now()
				st.Log.Warn().Str("status", app.Status).Str("release", app.Release).Dur("limit_ms", unknownStatusLimit).
					Msgf("%s: the app's status is %q, neither running, updating nor rollback; waiting for it to change", what, app.Status)
			} else if d := time.Since(unknownSince); d > unknownStatusLimit {
				return app, &StatusError{Status: app.Status, Release: app.Release, For: d}
			}
		} else {
			unknownSince = time.Time{}
		}
		switch app.Status {
		case rack.AppRollback:
			// Not yet the verdict: the Rack may be reverting a newer promote
			// to ours. As the Convox CLI does, wait for running and compare
			// the release; a rollback that never settles still ends it.
			sawMoving = true
			if release != "" {
				if rollbackSince.IsZero() {
					rollbackSince = time.Now()
					st.Log.Warn().Str("active", app.Release).Msgf("%s: the Rack is rolling back; waiting to see which release it settles on", what)
				} else if time.Since(rollbackSince) > rollbackSettleLimit {
					return app, &RollbackError{Release: release, Active: app.Release}
				}
			}
		case rack.AppUpdating:
			sawMoving = true
			otherSince = time.Time{}
		case rack.AppRunning:
			rollbackSince = time.Time{}
			if release == "" || app.Release == release {
				return app, nil
			}
			isNewer, err := newer(app.Release)
			switch {
			case err != nil:
				return app, err
			case isNewer:
				return app, &SupersededError{Release: release, Active: app.Release}
			case sawMoving:
				return app, &RollbackError{Release: release, Active: app.Release}
			case otherSince.IsZero():
				otherSince = time.Now()
				st.Log.Debug().Str("active", app.Release).Msg("the app still runs the previous release; waiting for the Rack's controller to start the rollout")
			case time.Since(otherSince) > notAppliedGrace:
				return app, &RollbackError{Release: release, Active: app.Release,
					Detail: fmt.Sprintf("for %s the app kept running %s and never reported updating: the promotion was not applied", notAppliedGrace, app.Release)}
			}
		}
		st.Log.Debug().Str("status", app.Status).Str("release", app.Release).Msg(what)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s (the app is %s on release %s): %w", what, app.Status, app.Release, ctx.Err())
		case <-time.After(interval):
			interval = st.Poll.Next(interval)
		}
	}
}

// CheckReleaseID refuses, before anything is sent, a release id that cannot
// be one: a Rack's release ids are R and uppercase letters and digits
// (RABCDEFGHIJ), so one with white space, a control character or a URL
// delimiter (/ ? # %) is a mistake (two ids in one argument, a pasted line,
// a path). Only these are refused, so that any id a Rack may give passes.
func CheckReleaseID(id string) error {
	for _, r := range id {
		what := fmt.Sprintf("%q", r)
		switch {
		case unicode.IsSpace(r):
			what = "white space"
		case unicode.IsControl(r), strings.ContainsRune("/?#%", r):
		default:
			continue
		}
		return fmt.Errorf("release id %q cannot be a release: it has %s; a Rack's release ids are R and letters and digits, e.g. RABCDEFGHIJ (give one id per command)", id, what)
	}
	return nil
}
