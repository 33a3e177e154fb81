// Package steps holds what a pipeline can do against a Rack, one small type
// each: build, promote, run, env, import and export. Steps talk to the Rack
// only through internal/rack and read nothing from the environment.
package steps

import (
	"errors"
	"fmt"
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
}

func (e *RollbackError) Error() string {
	if e.Active != "" && e.Active != e.Release {
		return fmt.Sprintf("release %s was rolled back by the Rack; the app runs release %s", e.Release, e.Active)
	}
	return fmt.Sprintf("release %s was rolled back by the Rack", e.Release)
}

// Is makes a RollbackError match ErrRolledBack.
func (e *RollbackError) Is(target error) bool { return target == ErrRolledBack }

// ExitError is a remote command that exited non-zero.
type ExitError struct {
	Command string
	Code    int
}

func (e *ExitError) Error() string {
	return fmt.Sprintf("command %q exited with status %d", e.Command, e.Code)
}
