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
// it finds the build by its git sha (never "the latest build"), streams its
// export straight into an import, and leaves the new build and release in
// the state for a promote step.
type Import struct {
	From    string // the rack holding the build, org/rack
	FromApp string // "" = the same app name
	Commit  string // "" = the state's commit
	Limit   int    // how many recent builds to search; 0 = 100
}

func (i Import) String() string { return "importing the build from " + i.From }

// Run finds, exports and imports the build.
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
	src, err := st.Connect(i.From)
	if err != nil {
		return fmt.Errorf("connecting to %s: %w", i.From, err)
	}
	limit := i.Limit
	if limit == 0 {
		limit = 100
	}
	builds, err := src.BuildList(ctx, app, limit)
	if err != nil {
		return fmt.Errorf("listing builds of %s on %s: %w", app, i.From, err)
	}
	var source rack.Build
	for _, b := range builds { // newest first
		if b.Status == "complete" && commitMatches(b.GitSha, commit) {
			source = b
			break
		}
	}
	id := source.ID
	if id == "" {
		return fmt.Errorf("no complete build of commit %s for app %s on %s among its last %d builds: build it there first", short(commit), app, i.From, limit)
	}
	st.Log.Info().Str("from", i.From).Str("source_build", id).Str("commit", commit).Msg("exporting build")

	b, err := importOnce(ctx, st, src, app, source)
	if err != nil {
		return fmt.Errorf("importing build %s from %s into %s: %w", id, i.From, st.RackName, err)
	}
	st.BuildID, st.ReleaseID = b.ID, b.Release
	st.Log.Info().Str("build", b.ID).Str("release", b.Release).Str("source_build", id).Msg("build imported")
	return nil
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
