// Package steps holds what a pipeline can do against a Rack, one small type
// each: build, promote, run, env, import and export. Steps talk to the Rack
// only through internal/rack and read nothing from the environment.
package steps

import (
	"errors"
	"fmt"
	"time"
)

// ErrRolledBack is matched (errors.Is) by every rollback.
var ErrRolledBack = errors.New("release rolled back")

// BuildFailedError is a build the Rack reported failed.
type BuildFailedError struct {
	Build  string
	Reason string
}

func (e *BuildFailedError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("build %s failed", e.Build)
	}
	return fmt.Sprintf("build %s failed: %s", e.Build, e.Reason)
}

// RollbackError is a release the Rack did not keep.
type RollbackError struct {
	Release string
	Active  string // the release the app runs instead, when known
	Detail  string // how it was seen, when not from the app's own status
}

func (e *RollbackError) Error() string {
	s := fmt.Sprintf("release %s was rolled back by the Rack", e.Release)
	if e.Active != "" && e.Active != e.Release {
		s += "; the app runs release " + e.Active
	}
	if e.Detail != "" {
		s += " (" + e.Detail + ")"
	}
	return s
}

// ErrSuperseded is matched (errors.Is) by every SupersededError.
var ErrSuperseded = errors.New("release superseded")

// SupersededError is a promotion overtaken by a newer release: while ours
// rolled out, another promotion (another pipeline, a person) made a release
// created after ours the active one. Ours is not live, but nothing failed.
type SupersededError struct {
	Release string
	Active  string // the newer release now active
}

func (e *SupersededError) Error() string {
	return fmt.Sprintf("release %s was superseded: a newer release, %s, became active while it rolled out (another deploy promoted it); %s is not live", e.Release, e.Active, e.Release)
}

// Is makes a SupersededError match ErrSuperseded.
func (e *SupersededError) Is(target error) bool { return target == ErrSuperseded }

// StatusError is an app stuck in a status a rollout never passes through
// (neither running, updating nor rollback).
type StatusError struct {
	Status  string
	Release string
	For     time.Duration
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("the app's status has been %q (neither running, updating nor rollback) for %s, on release %s: the Rack cannot finish a rollout from there; look at the app on the Rack (convox apps info)", e.Status, e.For.Round(time.Second), e.Release)
}

// Is makes a RollbackError match ErrRolledBack.
func (e *RollbackError) Is(target error) bool { return target == ErrRolledBack }

// OutputCutError is a run whose output could no longer be written (its
// stdout was closed: `run ... | head`): the command was stopped.
type OutputCutError struct{ Err error }

func (e *OutputCutError) Error() string {
	return fmt.Sprintf("its output was cut (%v)", e.Err)
}

func (e *OutputCutError) Unwrap() error { return e.Err }

// ExitError is a remote command that exited non-zero.
type ExitError struct {
	Command string
	Code    int
}

func (e *ExitError) Error() string {
	if _, ok := e.Status(); !ok {
		return fmt.Sprintf("command %q exited with status %d, which is not an exit status (1 to 255): failing with exit 1", e.Command, e.Code)
	}
	return fmt.Sprintf("command %q exited with status %d", e.Command, e.Code)
}

// Status is the remote status as this process's exit status: false when
// it does not fit one (a Rack may report 256, or 2^32, which an exit would
// wrap to 0).
func (e *ExitError) Status() (int, bool) {
	return e.Code, e.Code >= 1 && e.Code <= 255
}
