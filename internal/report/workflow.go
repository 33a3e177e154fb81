package report

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
)

// Workflow is a GitHub Actions step's log stream. GitHub executes any line
// that starts with "::" (and the older "##[" form) as a workflow command, so
// text from a server or a remote process (build output, run output, a
// Rack's error) could stop masking or forge annotations. Everything written
// to a Workflow is written with command processing stopped
// (::stop-commands::TOKEN, an unguessable token); only Command lines are
// executed: processing is resumed (::TOKEN::) for them, and stopped again
// before the next log line.
type Workflow struct {
	mu      sync.Mutex
	w       io.Writer
	token   string
	stopped bool
}

// NewWorkflow writes to w, a GitHub Actions step's output.
func NewWorkflow(w io.Writer) *Workflow {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return &Workflow{w: w, token: hex.EncodeToString(b)}
}

// Write writes log lines, with workflow commands stopped.
func (g *Workflow) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if !g.stopped && len(p) > 0 {
		if _, err := fmt.Fprintf(g.w, "::stop-commands::%s\n", g.token); err != nil {
			return 0, err
		}
		g.stopped = true
	}
	return g.w.Write(p)
}

// Command writes one workflow command of ours (name and data, data escaped
// as the runner unescapes it), with command processing on.
func (g *Workflow) Command(name, data string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resume()
	fmt.Fprintf(g.w, "::%s::%s\n", name, CommandData(data))
}

// Close turns command processing back on, for the steps that follow.
func (g *Workflow) Close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.resume()
}

func (g *Workflow) resume() {
	if g.stopped {
		fmt.Fprintf(g.w, "::%s::\n", g.token)
		g.stopped = false
	}
}

// CommandData escapes a GitHub workflow command's data, as the runner
// unescapes it.
func CommandData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}
