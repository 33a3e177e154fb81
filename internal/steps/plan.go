package steps

import (
	"context"
	"fmt"

	"github.com/convox-ci/convox-ci/internal/config"
	"github.com/convox-ci/convox-ci/internal/outfile"
	"github.com/convox-ci/convox-ci/internal/pipeline"
)

// FromConfig turns a rules-file target into the steps that run it. dir is
// the directory builds package.
func FromConfig(t *config.Target, dir string) ([]pipeline.Step, error) {
	var list []pipeline.Step
	for _, s := range t.Steps {
		var step pipeline.Step
		switch s.Kind {
		case "build":
			step = Build{Dir: dir}
		case "deploy":
			list = append(list, pipeline.WithTimeout(Build{Dir: dir}, s.Timeout))
			step = Promote{}
		case "promote":
			step = Promote{}
		case "run":
			step = Run{Service: s.Service, Command: s.Command, Written: s.Written, Release: s.Release, Limit: s.Timeout}
		case "env":
			vars := make([]EnvVar, len(s.Env))
			for i, v := range s.Env {
				vars[i] = EnvVar{Key: v.Key, Value: v.Value}
			}
			step = Env{Vars: vars, Replace: s.Replace, Promote: s.Promote}
		case "import":
			step = Import{From: s.From, FromApp: s.FromApp}
		case "export":
			step = exportToFile{file: s.File}
		default:
			return nil, fmt.Errorf("step kind %q is not supported", s.Kind)
		}
		list = append(list, pipeline.WithTimeout(step, s.Timeout))
	}
	return list, nil
}

// exportToFile exports the build an earlier step made to a file.
type exportToFile struct{ file string }

func (e exportToFile) String() string { return "exporting the build to " + e.file }

func (e exportToFile) Run(ctx context.Context, st *pipeline.State) error {
	f, err := outfile.Create(e.file)
	if err != nil {
		return fmt.Errorf("creating %s: %w", e.file, err)
	}
	if err := (Export{To: f}).Run(ctx, st); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
