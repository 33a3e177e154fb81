package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/convox-ci/convox-ci/internal/report"
)

// errStdoutClosed is a write to stdout that failed: its reader went away
// (`convox-ci builds | head -1`). main ignores SIGPIPE, so that such a run
// still ends in order: result file written, remote process stopped.
var errStdoutClosed = errors.New("stdout was closed")

// stdoutWriter marks every failed write to stdout with errStdoutClosed.
type stdoutWriter struct{ w io.Writer }

func (s stdoutWriter) Write(p []byte) (int, error) {
	n, err := s.w.Write(p)
	if err != nil {
		return n, fmt.Errorf("%w (%w)", errStdoutClosed, err)
	}
	return n, nil
}

// isTerminal reports a terminal (stdin, stdout or stderr).
func isTerminal(s any) bool {
	f, ok := s.(*os.File)
	return ok && report.IsTerminal(f)
}

// endsAtClosedStdout is a command whose output is a listing or a stream
// and nothing else: a reader that stops reading (`| head`) ends it, and it
// exits 0 quietly. Elsewhere a closed stdout is a failure: builds export's
// artifact is truncated, run's command is stopped.
func endsAtClosedStdout(command string) bool {
	switch strings.Fields(command)[0] {
	case "builds":
		return strings.HasPrefix(command, "builds list")
	case "logs", "rack", "racks", "plan", "version":
		return true
	}
	return false
}
