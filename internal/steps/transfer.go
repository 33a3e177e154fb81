package steps

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// Import brings into this rack the build made for a commit on another rack:
// it finds the build by its commit (never "the latest build"): its git-sha,
// or for a build that was itself imported (the Rack drops git-sha on import)
// the commit in its description's tag (Tag). If an import of that very
// build is already on this rack (same tagged description), it is reused;
// otherwise the export is streamed straight into an import. The build and
// its release are left in the state for a promote step.
type Import struct {
	From         string // the rack holding the build, org/rack
	FromHost     string // its own host, "" = the global setting
	FromPassword string // its own password (secret), "" = the global setting
	FromApp      string // "" = the same app name
	Commit       string // "" = the state's commit
	Limit        int    // how many recent builds to search; 0 = 100
}

func (i Import) String() string { return "importing the build from " + i.From }

// Run finds, exports and imports the build, or reuses an earlier import.
func (i Import) Run(ctx context.Context, st *pipeline.State) error {
	commit := i.Commit
	if commit == "" {
		commit = st.Commit
	}
	if commit == "" {
		return fmt.Errorf("importing from %s: the commit is unknown, so the build cannot be found (run in a git checkout or CI, or pass --commit)", i.From)
	}
	app := i.FromApp
	if app == "" {
		app = st.App
	}
	src, err := st.Connect(pipeline.Endpoint{Rack: i.From, Host: i.FromHost, Password: i.FromPassword})
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", i.From, err)
	}
	limit := i.Limit
	if limit == 0 {
		limit = 100
	}
	source, err := FindCommitBuild(ctx, src, app, commit, limit)
	if err != nil {
		return fmt.Errorf("finding the build of commit %s for app %s on %s: %w", short(commit), app, i.From, err)
	}
	if source == nil {
		return fmt.Errorf("no complete build of commit %s for app %s on %s among its last %d builds: build it there first", short(commit), app, i.From, limit)
	}
	id := source.ID
	if b, err := i.reuse(ctx, st, *source, limit); err != nil || b != nil {
		return err
	}
	st.Log.Info().Str("from", i.From).Str("source_build", id).Str("commit", commit).Msg("exporting build")

	b, err := importOnce(ctx, st, src, app, *source)
	if err != nil {
		return fmt.Errorf("importing build %s from %s into %s: %w", id, i.From, st.RackName, err)
	}
	st.BuildID, st.ReleaseID = b.ID, b.Release
	st.Log.Info().Str("build", b.ID).Str("release", b.Release).Str("source_build", id).Msg("build imported")
	return nil
}

// FindCommitBuild is the newest complete build of commit among an app's
// last limit builds on a rack, by git-sha or by the commit in its tag; nil
// when there is none.
func FindCommitBuild(ctx context.Context, c *rack.Client, app, commit string, limit int) (*rack.Build, error) {
	builds, err := c.BuildList(ctx, app, limit)
	if err != nil {
		return nil, fmt.Errorf("listing builds: %w", err)
	}
	for i := range builds { // newest first
		if builds[i].Status == rack.BuildComplete && commitMatches(CommitOf(builds[i]), commit) {
			return &builds[i], nil
		}
	}
	return nil, nil
}

// reuse finds an import of source already on this rack: a complete build
// whose description is source's, tagged (the tag's marker makes it unique
// to that build). Its release is reused when it is still the app's newest;
// otherwise a new release of the build is made as an import would make it
// (the build with the environment of the newest release). It returns nil
// when there is nothing to reuse.
func (i Import) reuse(ctx context.Context, st *pipeline.State, source rack.Build, limit int) (*rack.Build, error) {
	if _, tagged := ParseTag(source.Description); !tagged {
		return nil, nil
	}
	builds, err := st.Rack.BuildList(ctx, st.App, limit)
	if err != nil {
		return nil, fmt.Errorf("looking for an earlier import of build %s on %s: %w", source.ID, st.RackName, err)
	}
	var found *rack.Build
	for j := range builds {
		if builds[j].Status == rack.BuildComplete && builds[j].Description == source.Description && builds[j].Release != "" {
			found = &builds[j]
			break
		}
	}
	if found == nil {
		return nil, nil
	}
	release := found.Release
	latest, err := st.Rack.ReleaseList(ctx, st.App, 1)
	if err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("reading the newest release on %s: %w", st.RackName, err)
		}
		// a deploy key may not list releases: make a fresh one, which is
		// always promotable
		st.Log.Debug().Err(err).Msg("cannot list releases; making a new release of the earlier import")
		latest = nil
	}
	if len(latest) == 0 || latest[0].ID != found.Release {
		rel, err := createRelease(ctx, st, rack.ReleaseCreateOptions{Build: found.ID, Description: found.Description})
		if err != nil {
			return nil, fmt.Errorf("creating a release of the earlier import %s: %w", found.ID, err)
		}
		release = rel.ID
	}
	st.BuildID, st.ReleaseID = found.ID, release
	st.Log.Info().Str("from", i.From).Str("source_build", source.ID).Str("build", found.ID).Str("release", release).
		Msgf("build %s was imported here already as %s: reusing it, not importing again", source.ID, found.ID)
	return found, nil
}

// commitMatches accepts a full sha or a prefix of at least 7 characters.
func commitMatches(buildSha, commit string) bool {
	if buildSha == "" || len(commit) < 7 {
		return buildSha == commit
	}
	return len(buildSha) >= len(commit) && buildSha[:len(commit)] == commit
}

func short(sha string) string {
	if len(sha) > 10 {
		return sha[:10]
	}
	return sha
}

// Export streams a build's artifact to the state's stdout or a writer.
type Export struct {
	Build string
	To    io.Writer // nil = the state's stdout
}

func (e Export) String() string { return "exporting build " + e.Build }

// Run streams the export.
func (e Export) Run(ctx context.Context, st *pipeline.State) error {
	id := e.Build
	if id == "" {
		id = st.BuildID
	}
	if id == "" {
		return fmt.Errorf("nothing to export: name a build id")
	}
	w := e.To
	if w == nil {
		w = st.Stdout
	}
	if err := st.Rack.BuildExport(ctx, st.App, id, w); err != nil {
		return fmt.Errorf("exporting build %s: %w", id, err)
	}
	return nil
}

// ImportStream imports an artifact read from a stream (stdin or a file).
type ImportStream struct {
	From io.Reader
}

func (ImportStream) String() string { return "importing a build" }

// Run imports the artifact.
func (i ImportStream) Run(ctx context.Context, st *pipeline.State) error {
	b, err := st.Rack.BuildImport(ctx, st.App, i.From)
	if errors.Is(err, rack.ErrAmbiguous) {
		return fmt.Errorf("importing build: %w (an artifact read from a stream cannot be sent again: list the app's builds to see whether it arrived before importing it again)", err)
	}
	if err != nil {
		return fmt.Errorf("importing build: %w", err)
	}
	st.BuildID, st.ReleaseID = b.ID, b.Release
	st.Log.Info().Str("build", b.ID).Str("release", b.Release).Msg("build imported")
	return nil
}
