package steps

import (
	"context"
	"fmt"

	"github.com/convox-ci/convox-ci/internal/outfile"
	"github.com/convox-ci/convox-ci/internal/pipeline"
)

// ExportFile exports a build (Build, else the one an earlier step made) to
// a file. The export succeeds only once the file is closed without error.
type ExportFile struct {
	Build string
	File  string
}

func (e ExportFile) String() string {
	if e.Build != "" {
		return "exporting build " + e.Build + " to " + e.File
	}
	return "exporting the build to " + e.File
}

func (e ExportFile) Run(ctx context.Context, st *pipeline.State) error {
	f, err := outfile.Create(e.File)
	if err != nil {
		return fmt.Errorf("creating %s: %w", e.File, err)
	}
	if err := (Export{Build: e.Build, To: f}).Run(ctx, st); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", e.File, err)
	}
	return nil
}
