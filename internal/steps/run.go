package steps

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/report"
	"github.com/convox-ci/convox-ci/internal/shellwords"
)

// Run runs a one-off command (a migration) in a new process of a service
// and fails unless it exits 0. It is never retried: a migration must not
// run twice.
type Run struct {
	Service string
	Command []string
	Written []string      // the command as the rules file writes it (${VAR}s unexpanded), to show; nil: Command
	Release string        // "" runs against the release an earlier step made, else the active one
	Limit   time.Duration // the process's lifetime on the Rack and the step's deadline; 0 = 1h
	Stdin   io.Reader     // nil sends end of input at once, as with </dev/null
}

// String names the step in logs, the result and plan: the command as
// written, so that a ${VAR}'s value never shows.
func (r Run) String() string {
	words := r.Written
	if words == nil {
		words = r.Command
	}
	return "running " + r.Service + " " + strings.Join(words, " ")
}

// Timeout is the step's deadline.
func (r Run) Timeout() time.Duration { return r.limit() }

func (r Run) limit() time.Duration {
	if r.Limit > 0 {
		return r.Limit
	}
	return time.Hour
}

// Run starts the process, waits for it, attaches, streams its output line
// by line into stdout and returns an *ExitError on a non-zero status.
func (r Run) Run(ctx context.Context, st *pipeline.State) error {
	if r.Service == "" || len(r.Command) == 0 {
		return fmt.Errorf("run needs a service and a command, e.g. run web bin/migrate")
	}
	release := r.Release
	if release == "" {
		release = st.ReleaseID
	}
	command := ShellJoin(r.Command)
	proc, err := startProcess(ctx, st, r.Service, rack.ProcessRunOptions{
		Command: fmt.Sprintf("sleep %d", int(r.limit().Seconds())),
		Release: release,
	})
	if err != nil {
		return fmt.Errorf("starting a %s process: %w", r.Service, err)
	}
	log := st.Log.With().Str("process", proc.ID).Str("service", r.Service).Logger()
	if release != "" {
		log = log.With().Str("release", release).Logger()
	}
	log.Info().Msg("process started")
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stopTimeout(ctx))
		defer cancel()
		if err := st.Rack.ProcessStop(stopCtx, st.App, proc.ID); err != nil {
			log.Warn().Err(err).Msg("could not stop the process; it ends by itself when its lifetime runs out")
		}
	}()

	if err := waitProcess(ctx, st, proc.ID); err != nil {
		return err
	}
	// Output nobody reads (stdout closed: `run ... | head`) ends the run:
	// the deferred stop ends the remote process, and the run fails.
	execCtx, cut := context.WithCancelCause(ctx)
	defer cut(nil)
	out := report.LineWriter(st.Secrets, func(line string) {
		if _, err := fmt.Fprintln(st.Stdout, line); err != nil {
			cut(&OutputCutError{Err: err})
		}
	})
	code, err := st.Rack.ProcessExec(execCtx, st.App, proc.ID, command, rack.ExecOptions{Entrypoint: true}, r.Stdin, out)
	out.Flush()
	var oc *OutputCutError
	if cause := context.Cause(execCtx); errors.As(cause, &oc) && ctx.Err() == nil {
		return fmt.Errorf("running %q: %w; the process was stopped", command, oc)
	}
	if err != nil {
		return fmt.Errorf("running %q: %w", command, err)
	}
	log.Info().Int("command_exit_code", code).Msg("command finished")
	if code != 0 {
		return &ExitError{Command: command, Code: code}
	}
	return nil
}

// waitProcess polls a process until it runs.
func waitProcess(ctx context.Context, st *pipeline.State, pid string) error {
	interval := st.Poll.Min
	for {
		p, err := st.Rack.ProcessGet(ctx, st.App, pid)
		if err != nil {
			return fmt.Errorf("waiting for process %s: %w", pid, err)
		}
		switch p.Status {
		case rack.ProcessRunning:
			return nil
		case "complete", "failed", "crashed":
			return fmt.Errorf("process %s ended (%s) before the command could run", pid, p.Status)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for process %s (%s): %w", pid, p.Status, ctx.Err())
		case <-time.After(interval):
			interval = st.Poll.Next(interval)
		}
	}
}

// ShellJoin makes the command line the Rack splits (shell-style) into
// arguments. A single argument is taken as a command line already, as the
// Convox CLI does (`run web "bin/migrate --all"`); several are quoted where
// needed so that each arrives whole (`run web sh -c "a && b"`).
func ShellJoin(args []string) string {
	if len(args) == 1 {
		return args[0]
	}
	return shellwords.Join(args)
}

// stopTimeout bounds the clean-up of a process: short when the run was
// cancelled (a CI cancelling a job allows a couple of seconds).
func stopTimeout(ctx context.Context) time.Duration {
	if ctx.Err() != nil {
		return 1500 * time.Millisecond
	}
	return 10 * time.Second
}
