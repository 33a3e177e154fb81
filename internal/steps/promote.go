package steps

import (
	"context"
	"fmt"
	"time"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// Promote promotes a release and waits until the app runs it, or the Rack
// rolls it back.
type Promote struct {
	Release string // "" promotes the release an earlier step made
	Force   bool
}

func (Promote) String() string { return "promoting" }

// notAppliedGrace is how long an app may keep reporting running on another
// release, without ever reporting updating, before the promotion counts as
// not kept.
const notAppliedGrace = 5 * time.Second

// Run promotes and waits for the rollout.
func (p Promote) Run(ctx context.Context, st *pipeline.State) error {
	id := p.Release
	if id == "" {
		id = st.ReleaseID
	}
	if id == "" {
		return fmt.Errorf("nothing to promote: no earlier step made a release (add a build, env or import step before promote, or name the release)")
	}
	if !p.Force {
		if _, err := waitApp(ctx, st, "", "waiting for the app to finish its current update"); err != nil {
			return err
		}
	}
	st.Log.Info().Str("release", id).Msg("promoting release")
	if err := promoteOnce(ctx, st, id, rack.PromoteOptions{Force: p.Force}); err != nil {
		return fmt.Errorf("promoting release %s: %w", id, err)
	}
	if _, err := waitApp(ctx, st, id, "waiting for the rollout"); err != nil {
		return err
	}
	st.ReleaseID = id
	st.Promoted = true
	st.Log.Info().Str("release", id).Msg("release promoted and running")
	return nil
}

// waitApp polls the app until it is running. With a release id, it also
// requires that release to be the active one, and reports a rollback when
// the Rack rolls back instead.
func waitApp(ctx context.Context, st *pipeline.State, release, what string) (*rack.App, error) {
	interval := st.Poll.Min
	sawUpdating := false
	var otherSince time.Time
	for {
		app, err := st.Rack.AppGet(ctx, st.App)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		switch app.Status {
		case rack.AppRollback:
			if release != "" {
				return app, &RollbackError{Release: release, Active: app.Release}
			}
		case rack.AppRunning:
			switch {
			case release == "" || app.Release == release:
				return app, nil
			case sawUpdating:
				return app, &RollbackError{Release: release, Active: app.Release}
			case otherSince.IsZero():
				otherSince = time.Now()
			case time.Since(otherSince) > notAppliedGrace:
				return app, &RollbackError{Release: release, Active: app.Release}
			}
		case rack.AppUpdating:
			sawUpdating = true
		}
		st.Log.Debug().Str("status", app.Status).Str("release", app.Release).Msg(what)
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("%s (the app is %s): %w", what, app.Status, ctx.Err())
		case <-time.After(interval):
			interval = st.Poll.Next(interval)
		}
	}
}
