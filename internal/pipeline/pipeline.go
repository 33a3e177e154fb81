// Package pipeline runs a plan's steps in order against one Rack: each step
// logged when it starts and ends, timed, under its own deadline and the
// run's, and stopped at the first failure.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/rs/zerolog"

	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/report"
)

// Step is one thing a pipeline does: build, promote, run a command, ...
type Step interface {
	fmt.Stringer // a short progressive phrase: "building", "promoting"
	Run(ctx context.Context, st *State) error
}

// Timeouter is a step with its own deadline.
type Timeouter interface {
	Timeout() time.Duration
}

// Interrupter is a step that can say what an interruption while it ran may
// have left going on the Rack, from what it had made so far ("Build B may
// still be running ..."); "" when it has nothing to say.
type Interrupter interface {
	Interrupted(st *State) string
}

// LeftRunning says what the run may have left going on the Rack when it
// was stopped: the failed step's own answer, or a general one.
func LeftRunning(st *State) string {
	if st.Failed == nil {
		return "Nothing was left running on the Rack."
	}
	if i, ok := st.Failed.(Interrupter); ok {
		if msg := i.Interrupted(st); msg != "" {
			return msg
		}
	}
	return fmt.Sprintf("The step %q may have reached the Rack.", st.Failed.String())
}

// State is what steps share: where they act, and what earlier steps made.
// Steps never read the environment; everything they need is here.
type State struct {
	Rack     *rack.Client
	RackName string
	App      string
	Log      zerolog.Logger
	Stdout   io.Writer                            // command output: run output, export streams, --id
	Secrets  *report.Secrets                      // values to keep out of every output
	Connect  func(Endpoint) (*rack.Client, error) // another rack (import's source)
	Progress Progress                             // how long waits show that they are alive
	Poll     Poll
	Group    func(title string) (end func()) // folds a stream's lines in the CI's log (GitHub ::group::); nil: no folding

	Commit      string // the commit being built, for descriptions and import-by-commit
	Description string // the default build description

	BuildID   string // set by build/import
	ReleaseID string // set by build/import/env; what promote promotes
	Promoted  bool   // set by promote

	Steps  []report.StepResult
	Failed Step // the step that stopped the run, if one did
}

// Endpoint names a rack and, when it has credentials of its own (one Rack
// API key per Rack), the host and password that reach it; each left empty
// falls back to the global settings.
type Endpoint struct {
	Rack     string
	Host     string
	Password string // secret
}

// Fold starts a folded section of the CI log, when the CI has them, and
// returns what ends it.
func (st *State) Fold(title string) func() {
	if st.Group == nil {
		return func() {}
	}
	return st.Group(title)
}

// Poll sets how waits poll the Rack where the protocol has no signal:
// starting at Min, growing by half each time, up to Max.
type Poll struct {
	Min, Max time.Duration
}

// Next returns the interval after d.
func (p Poll) Next(d time.Duration) time.Duration {
	if d < p.Min {
		return p.Min
	}
	d += d / 2
	if d > p.Max {
		d = p.Max
	}
	return d
}

// DefaultPoll polls at 100 ms at first and never less often than every
// second: a finished rollout is noticed within a second (bench/deploy
// PromoteLag: 395 ms average lag with a 2 s cap, 188 ms with 1 s).
var DefaultPoll = Poll{Min: 100 * time.Millisecond, Max: time.Second}

// DeadlineError says which deadline passed during which step.
type DeadlineError struct {
	Step    string
	Timeout time.Duration // 0 when it was the run's overall deadline
	Err     error
}

func (e *DeadlineError) Error() string {
	if e.Timeout > 0 {
		return fmt.Sprintf("%s: the step's deadline of %s passed: %v", e.Step, e.Timeout, e.Err)
	}
	return fmt.Sprintf("%s: the deadline passed (raise it with --timeout or CONVOX_CI_TIMEOUT): %v", e.Step, e.Err)
}

// Is makes a DeadlineError match context.DeadlineExceeded.
func (e *DeadlineError) Is(target error) bool { return target == context.DeadlineExceeded }

func (e *DeadlineError) Unwrap() error { return e.Err }

// Run runs steps in order and stops at the first error.
func Run(ctx context.Context, st *State, steps []Step) error {
	if st.Poll.Max == 0 {
		st.Poll = DefaultPoll
	}
	for _, step := range steps {
		if err := runStep(ctx, st, step); err != nil {
			return err
		}
	}
	return nil
}

func runStep(ctx context.Context, st *State, step Step) error {
	name := step.String()
	log := st.Log.With().Str("step", name).Logger()
	stepCtx := ctx
	var timeout time.Duration
	if t, ok := step.(Timeouter); ok && t.Timeout() > 0 {
		timeout = t.Timeout()
		var cancel context.CancelFunc
		stepCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	log.Info().Msg("step started")
	start := time.Now()
	err := step.Run(stepCtx, st)
	took := time.Since(start)
	res := report.StepResult{Name: name, Status: "succeeded", Duration: report.Duration(took)}
	if err != nil && stepCtx.Err() == context.DeadlineExceeded && !errors.Is(err, context.Canceled) {
		if ctx.Err() == nil {
			err = &DeadlineError{Step: name, Timeout: timeout, Err: err}
		} else {
			err = &DeadlineError{Step: name, Err: err}
		}
	}
	if err != nil {
		res.Status, res.Error = "failed", st.Secrets.String(err.Error())
		st.Steps = append(st.Steps, res)
		st.Failed = step
		// The run's one ERR line, at its end, carries the error.
		log.Info().Dur("duration_ms", took).Msg("step failed")
		return err
	}
	st.Steps = append(st.Steps, res)
	ev := log.Info().Dur("duration_ms", took)
	if st.BuildID != "" {
		ev = ev.Str("build", st.BuildID)
	}
	if st.ReleaseID != "" {
		ev = ev.Str("release", st.ReleaseID)
	}
	ev.Msg("step finished")
	return nil
}

// WithTimeout gives a step its own deadline; d <= 0 returns the step as is.
func WithTimeout(step Step, d time.Duration) Step {
	if d <= 0 {
		return step
	}
	return timed{Step: step, d: d}
}

type timed struct {
	Step
	d time.Duration
}

func (t timed) Timeout() time.Duration { return t.d }

func (t timed) Interrupted(st *State) string {
	if i, ok := t.Step.(Interrupter); ok {
		return i.Interrupted(st)
	}
	return ""
}
