// Package wiretest reads the wire transcripts in shared/wire (the real Convox CLI talking to the real Rack API
// handlers) so that tests can use them as test vectors, and replays them from a local test server.
package wiretest

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// EnvDir names the environment variable that overrides where the transcripts live.
const EnvDir = "CONVOX_CI_WIRE"

// Transcript is one recorded scenario (one shared/wire/<name>.txt file).
type Transcript struct {
	Name      string     // file name without .txt
	Command   string     // the "# Ran:" command line, without the logger's "(RACK_URL=...)" trailer
	Scenario  string     // the "# Scenario:" line
	Exit      int        // "# Exit status: N"
	Stdout    string     // what the command printed on stdout (from the "#   | " lines)
	Stderr    string     // what the command printed on stderr
	Exchanges []Exchange // in order of request number
}

// Exchange is one request, its response and, for upgraded connections, the websocket frames.
type Exchange struct {
	N        int
	Request  Request
	Response *Response // nil when none recorded
	Frames   []Frame   // websocket frames in order, for upgraded exchanges
	Notes    []string  // websocket lines that are not frames ("C->S TCP stream ended ...", "S->C stream ended: ...")
}

// Request is a request exactly as the client sent it.
type Request struct {
	At             time.Duration // "[+T]": time since the logging proxy started
	Method, Target string        // Target exactly as sent, e.g. "/system?" or "/apps/myapp/builds/B/logs"
	Path, RawQuery string
	Proto          string      // "HTTP/1.1"
	Header         http.Header // canonical names, Host included; Authorization kept as the raw header value
	Form           url.Values  // parsed from "form k = v" lines (or decoded from the body for form bodies)
	Body           []byte      // text bodies verbatim; binary bodies: only the recorded first bytes (see BodyLen)
	BodyLen        int         // length as recorded ("body: 10984 bytes")
	Binary         bool        // the body was recorded as binary (Body holds only its first bytes)
	WebSocket      bool        // Upgrade: websocket
}

// Response is a response exactly as the server sent it.
type Response struct {
	At      time.Duration // "[+T]": time since the logging proxy started
	Status  int
	Proto   string // "HTTP/1.1"
	Header  http.Header
	Body    []byte // reconstructed from the "| " lines, with a trailing newline when "ends with newline: true"; empty for "(no body)"
	BodyLen int    // length as recorded
	Binary  bool   // the body was recorded as binary (Body holds only its first bytes)
}

// Frame is one websocket frame.
type Frame struct {
	At         time.Duration // "[+T]": time since the logging proxy started
	FromClient bool          // C->S
	Opcode     string        // "text", "binary", "close", "ping", ...
	Fin        bool
	Masked     bool
	Len        int    // payload length as recorded
	Payload    []byte // decoded from the Go-quoted text="..." / bytes="..." / payload="..."
}

// Dir locates shared/wire: $CONVOX_CI_WIRE if set, else ../shared/wire next to the directory holding go.mod
// (found by walking up from the working directory).
func Dir() (string, error) {
	if d := os.Getenv(EnvDir); d != "" {
		if isDir(d) {
			return d, nil
		}
		return "", fmt.Errorf("locating wire transcripts: $%s=%q is not a directory", EnvDir, d)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("locating wire transcripts: %w", err)
	}
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			w := filepath.Join(filepath.Dir(d), "shared", "wire")
			if isDir(w) {
				return w, nil
			}
			return "", fmt.Errorf("locating wire transcripts: $%s is unset and %s does not exist", EnvDir, w)
		}
		up := filepath.Dir(d)
		if up == d {
			return "", fmt.Errorf("locating wire transcripts: $%s is unset and no go.mod above %s (looked for ../shared/wire beside it)", EnvDir, wd)
		}
		d = up
	}
}

func isDir(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.IsDir()
}

// Names lists the transcripts in Dir, sorted, without ".txt".
func Names() ([]string, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.txt"))
	if err != nil {
		return nil, fmt.Errorf("listing wire transcripts: %w", err)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".txt"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, errors.New("listing wire transcripts: no *.txt in " + dir)
	}
	return names, nil
}

// Load parses the transcript with the given name, e.g. "deploy".
func Load(name string) (*Transcript, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(filepath.Join(dir, name+".txt"))
	if err != nil {
		return nil, fmt.Errorf("loading transcript %s: %w", name, err)
	}
	defer f.Close()
	t, err := Parse(name, f)
	if err != nil {
		return nil, fmt.Errorf("loading transcript %s: %w", name, err)
	}
	return t, nil
}

// MustLoad is Load that fails the test (never skips) on error.
func MustLoad(tb testing.TB, name string) *Transcript {
	tb.Helper()
	t, err := Load(name)
	if err != nil {
		tb.Fatal(err)
	}
	return t
}

// Find returns all exchanges with that method and path (path without the query; a path containing "?" is
// compared with the request target as sent instead).
func (t *Transcript) Find(method, path string) []Exchange {
	var out []Exchange
	for _, e := range t.Exchanges {
		if e.Request.Method != method {
			continue
		}
		if e.Request.Path == path || (strings.Contains(path, "?") && e.Request.Target == path) {
			out = append(out, e)
		}
	}
	return out
}

// First returns the first exchange Find would return, or the zero Exchange (N == 0) if there is none.
func (t *Transcript) First(method, path string) Exchange {
	if all := t.Find(method, path); len(all) > 0 {
		return all[0]
	}
	return Exchange{}
}

// Exchange returns the exchange numbered n, or nil.
func (t *Transcript) Exchange(n int) *Exchange {
	for i := range t.Exchanges {
		if t.Exchanges[i].N == n {
			return &t.Exchanges[i]
		}
	}
	return nil
}

// ServerFrames returns the S->C frames of the exchange.
func (e Exchange) ServerFrames() []Frame { return e.frames(false) }

// ClientFrames returns the C->S frames of the exchange.
func (e Exchange) ClientFrames() []Frame { return e.frames(true) }

func (e Exchange) frames(fromClient bool) []Frame {
	var out []Frame
	for _, f := range e.Frames {
		if f.FromClient == fromClient {
			out = append(out, f)
		}
	}
	return out
}
