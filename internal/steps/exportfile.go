package steps

import (
	"context"
	"fmt"

	"github.com/convox-ci/convox-ci/internal/outfile"
	"github.com/convox-ci/convox-ci/internal/pipeline"
)

// ExportFile exports the build an earlier step made to a file.
type ExportFile struct{ File string }

func (e ExportFile) String() string { return "exporting the build to " + e.File }

func (e ExportFile) Run(ctx context.Context, st *pipeline.State) error {
	f, err := outfile.Create(e.File)
	if err != nil {
		return fmt.Errorf("creating %s: %w", e.File, err)
	}
	if err := (Export{To: f}).Run(ctx, st); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
