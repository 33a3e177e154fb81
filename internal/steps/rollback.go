package steps

import (
	"context"
	"fmt"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// Rollback puts an earlier build live again. A Rack refuses to promote an
// older release ("can not promote an older release, try rollback"), so, as
// `convox releases rollback` does, it creates a new release from that
// release's build and promotes it, waiting like a deploy. The new release
// keeps the app's current environment: it is forked from the active release
// (parent-release) with only the build replaced.
//
// Without Release it rolls back to the build of the newest release that is
// older than the active one and has another build: the Rack keeps no
// promotion history, so "the previous deploy" is read from the releases.
type Rollback struct {
	Release string // the release whose build to put back; "" = the previous build
	Limit   int    // how many recent releases to search; 0 = 50
}

func (Rollback) String() string { return "rolling back" }

// Run finds the build, creates the release and promotes it.
func (r Rollback) Run(ctx context.Context, st *pipeline.State) error {
	app, err := st.Rack.AppGet(ctx, st.App)
	if err != nil {
		return fmt.Errorf("reading the app: %w", err)
	}
	if app.Release == "" {
		return fmt.Errorf("app %s has no active release: there is nothing to roll back", st.App)
	}
	active, err := st.Rack.ReleaseGet(ctx, st.App, app.Release)
	if err != nil {
		return fmt.Errorf("reading the active release %s: %w", app.Release, err)
	}
	target, err := r.target(ctx, st, active)
	if err != nil {
		return err
	}
	st.Log.Info().Str("active", active.ID).Str("active_build", active.Build).Str("to_release", target.ID).Str("to_build", target.Build).
		Msgf("rolling back to build %s of release %s, with the environment of the active release %s", target.Build, target.ID, active.ID)
	rel, err := createRelease(ctx, st, rack.ReleaseCreateOptions{
		Build:         target.Build,
		ParentRelease: active.ID,
		Description:   fmt.Sprintf("rollback to %s (build %s)", target.ID, target.Build),
	})
	if err != nil {
		return fmt.Errorf("creating the rollback release from build %s: %w", target.Build, err)
	}
	st.BuildID, st.ReleaseID = target.Build, rel.ID
	return promoteAndWait(ctx, st, rel.ID, false)
}

// target is the named release, or the newest release older than the active
// one with another build.
func (r Rollback) target(ctx context.Context, st *pipeline.State, active *rack.Release) (*rack.Release, error) {
	if r.Release != "" {
		rel, err := st.Rack.ReleaseGet(ctx, st.App, r.Release)
		if err != nil {
			return nil, fmt.Errorf("reading release %s: %w", r.Release, err)
		}
		switch {
		case rel.Build == "":
			return nil, fmt.Errorf("release %s has no build to roll back to", rel.ID)
		case rel.Build == active.Build:
			return nil, fmt.Errorf("release %s has the build the app runs already (%s, in the active release %s): a rollback keeps the current environment, so it would change nothing; name a release with another build", rel.ID, rel.Build, active.ID)
		}
		return rel, nil
	}
	limit := r.Limit
	if limit == 0 {
		limit = 50
	}
	rels, err := st.Rack.ReleaseList(ctx, st.App, limit)
	if err != nil {
		return nil, fmt.Errorf("listing releases to find the previous build: %w", err)
	}
	for i := range rels { // newest first
		rel := &rels[i]
		if rel.Created.Before(active.Created) && rel.Build != "" && rel.Build != active.Build {
			return rel, nil
		}
	}
	return nil, fmt.Errorf("no release older than the active one (%s, build %s) has another build among the app's last %d releases: nothing to roll back to; name a release (releases rollback RELEASE)", active.ID, active.Build, limit)
}
