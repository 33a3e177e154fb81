// Package report sets up logging (console or JSON, redacted) and writes what a
// run produced where each CI reads it: GitHub outputs and job summary,
// CircleCI's BASH_ENV, and a result file for any CI.
package report

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

func init() {
	// Durations are logged in seconds ("duration":1.25), not zerolog's milliseconds.
	zerolog.DurationFieldUnit = time.Second
}

// LogOptions chooses how events are written.
type LogOptions struct {
	Format string // auto, console or json
	Level  string // trace, debug, info, warn, error
	Color  bool   // colour console lines (a terminal, NO_COLOR unset)
}

// NewLogger returns a logger writing to w through the redactor, so that no
// secret it knows of reaches the output whatever a caller logs.
func NewLogger(w io.Writer, opts LogOptions, secrets *Secrets) (zerolog.Logger, error) {
	level := zerolog.InfoLevel
	if opts.Level != "" {
		l, err := zerolog.ParseLevel(strings.ToLower(opts.Level))
		if err != nil || l == zerolog.NoLevel {
			return zerolog.Nop(), fmt.Errorf("unknown log level %q: use trace, debug, info, warn or error", opts.Level)
		}
		level = l
	}
	out := io.Writer(secrets.Writer(w))
	switch opts.Format {
	case "", "auto", "console":
		out = zerolog.ConsoleWriter{
			Out:        out,
			NoColor:    !opts.Color,
			TimeFormat: time.TimeOnly,
		}
	case "json":
	default:
		return zerolog.Nop(), fmt.Errorf("unknown log format %q: use auto, console or json", opts.Format)
	}
	return zerolog.New(out).Level(level).With().Timestamp().Logger(), nil
}

// LineWriter returns a writer that calls emit once for each complete line
// written to it (without the newline). Flush emits a final partial line.
func LineWriter(emit func(line string)) *Lines {
	return &Lines{emit: emit}
}

// Lines splits a byte stream into lines.
type Lines struct {
	emit func(string)
	buf  []byte
}

func (l *Lines) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := indexNewline(l.buf)
		if i < 0 {
			break
		}
		l.emit(strings.TrimRight(string(l.buf[:i]), "\r"))
		l.buf = l.buf[i+1:]
	}
	if len(l.buf) > 64<<10 { // a line with no end: emit it in pieces rather than grow forever
		l.emit(string(l.buf))
		l.buf = l.buf[:0]
	}
	return len(p), nil
}

// Flush emits what remains after the last newline.
func (l *Lines) Flush() {
	if len(l.buf) > 0 {
		l.emit(strings.TrimRight(string(l.buf), "\r"))
		l.buf = l.buf[:0]
	}
}

func indexNewline(b []byte) int {
	for i, c := range b {
		if c == '\n' {
			return i
		}
	}
	return -1
}

// IsTerminal reports whether f is a terminal. A character device is not
// enough: /dev/null is one too, and it is where CI scripts send output.
func IsTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
