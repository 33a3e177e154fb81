package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"

	"github.com/convox-ci/convox-ci/internal/cienv"
	"github.com/convox-ci/convox-ci/internal/config"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/steps"
)

// Exit statuses: the one table (README "Exit statuses").
const (
	exitOK          = 0   // success, or nothing to do
	exitFailed      = 1   // a step failed: build failed, command failed, Rack error
	exitUsage       = 2   // usage or configuration error; nothing was sent
	exitAuth        = 3   // authentication or permission refused
	exitDeadline    = 4   // a deadline passed
	exitRolledBack  = 5   // the release was rolled back by the Rack
	exitSuperseded  = 6   // a newer release became active while ours rolled out
	exitInterrupted = 130 // SIGINT; SIGTERM gives 143
)

// usageError is bad input caught before anything was sent.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// statusError carries an exit status chosen by the command itself: `run`
// exits with the remote command's own status.
type statusError struct {
	err  error
	code int
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// interrupted is the cause of a cancellation by a signal.
type interrupted struct{ signal os.Signal }

func (e *interrupted) Error() string { return "interrupted by " + e.signal.String() }

func exitForSignal(sig os.Signal) int {
	if sig == syscall.SIGTERM {
		return 143
	}
	return exitInterrupted
}

// exitCode maps an error to the documented exit status.
func exitCode(ctx context.Context, err error) int {
	if err == nil {
		return exitOK
	}
	var intr *interrupted
	if errors.As(context.Cause(ctx), &intr) {
		return exitForSignal(intr.signal)
	}
	var (
		usage    *usageError
		cfg      *config.Error
		override *cienv.OverrideError
		exit     *steps.ExitError
		status   *statusError
	)
	switch {
	case errors.As(err, &usage), errors.As(err, &cfg), errors.As(err, &override), errors.Is(err, rack.ErrOtherRack):
		return exitUsage
	case errors.Is(err, context.DeadlineExceeded):
		return exitDeadline
	case errors.Is(err, steps.ErrRolledBack):
		return exitRolledBack
	case errors.Is(err, steps.ErrSuperseded):
		return exitSuperseded
	case errors.Is(err, rack.ErrUnauthorized), errors.Is(err, rack.ErrForbidden):
		return exitAuth
	case errors.As(err, &status):
		return status.code
	case errors.As(err, &exit):
		return exitFailed
	}
	return exitFailed
}
