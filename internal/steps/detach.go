package steps

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// RunDetached starts a one-off process running the command and does not
// wait for it, as `convox run --detach`: one process start carrying the
// command; the process id goes to stdout, the command's output to the
// app's logs. The Rack runs it to its end, whatever our deadline.
type RunDetached struct {
	Service string
	Command []string
	Release string // "" runs against the release an earlier step made, else the active one
}

// String names the step in logs and the result.
func (r RunDetached) String() string {
	return "starting " + r.Service + " " + strings.Join(r.Command, " ") + " detached"
}

// Run starts the process. It is never repeated: a lost answer may mean the
// command runs, and it must not run twice.
func (r RunDetached) Run(ctx context.Context, st *pipeline.State) error {
	if r.Service == "" || len(r.Command) == 0 {
		return fmt.Errorf("run needs a service and a command, e.g. run web bin/migrate")
	}
	release := r.Release
	if release == "" {
		release = st.ReleaseID
	}
	p, err := st.Rack.ProcessStart(ctx, st.App, r.Service, rack.ProcessRunOptions{Command: ShellJoin(r.Command), Release: release})
	if errors.Is(err, rack.ErrAmbiguous) {
		return fmt.Errorf("starting a detached %s process: the answer was lost, so the command may be running: look at the app's processes and logs before starting it again: %w", r.Service, err)
	}
	if err != nil {
		return fmt.Errorf("starting a detached %s process: %w", r.Service, err)
	}
	st.Log.Info().Str("process", p.ID).Str("service", r.Service).Msg("process started detached: its output goes to the app's logs (convox-ci logs)")
	fmt.Fprintln(st.Stdout, p.ID)
	return nil
}
