package report

import (
	"bytes"
	"io"
	"sync"
)

// Live is a terminal with a status line at its bottom: whatever is written
// through it (the log) appears above the status line, which is redrawn
// after each complete line. Only for a terminal: the line is rewritten in
// place with a carriage return and an erase-line sequence.
type Live struct {
	mu     sync.Mutex
	w      io.Writer
	status string
	midway bool // the last write did not end a line: do not redraw under it
}

// NewLive writes to the terminal w.
func NewLive(w io.Writer) *Live { return &Live{w: w} }

const eraseLine = "\r\x1b[K"

// Write writes p above the status line.
func (l *Live) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.status != "" && !l.midway {
		_, _ = io.WriteString(l.w, eraseLine) // the line that follows carries the error
	}
	n, err := l.w.Write(p)
	l.midway = len(p) > 0 && !bytes.HasSuffix(p, []byte("\n"))
	if l.status != "" && !l.midway && err == nil {
		_, _ = io.WriteString(l.w, l.status)
	}
	return n, err
}

// Set shows line as the status line; "" removes it.
func (l *Live) Set(line string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.midway {
		l.status = line
		return
	}
	_, _ = io.WriteString(l.w, eraseLine+line) // a status line is best effort
	l.status = line
}
