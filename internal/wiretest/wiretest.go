// Package wiretest reads the wire transcripts in testdata (the real Convox CLI talking to the real Rack API
// handlers, recorded byte for byte) so that tests can use them as test vectors, and replays them from a local
// test server. docs/protocol.md says what our code relies on from them.
package wiretest

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"sort"
	"strings"
	"testing"
	"time"
)

// transcripts are the recordings in testdata (see testdata/README.md), built into the package so that a test
// in any directory finds them.
//
//go:embed testdata/*.txt
var transcripts embed.FS

// Transcript is one recorded scenario (one testdata/<name>.txt file).
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

// Names lists the transcripts in testdata, sorted, without ".txt".
func Names() ([]string, error) {
	files, err := fs.Glob(transcripts, "testdata/*.txt")
	if err != nil {
		return nil, fmt.Errorf("listing wire transcripts: %w", err)
	}
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, strings.TrimSuffix(path.Base(f), ".txt"))
	}
	sort.Strings(names)
	if len(names) == 0 {
		return nil, errors.New("listing wire transcripts: no testdata/*.txt")
	}
	return names, nil
}

// Load parses the transcript with the given name, e.g. "deploy".
func Load(name string) (*Transcript, error) {
	data, err := Raw(name)
	if err != nil {
		return nil, err
	}
	t, err := Parse(name, bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("loading transcript %s: %w", name, err)
	}
	return t, nil
}

// Raw returns the recorded bytes of the transcript with the given name.
func Raw(name string) ([]byte, error) {
	data, err := transcripts.ReadFile("testdata/" + name + ".txt")
	if err != nil {
		return nil, fmt.Errorf("loading transcript %s: %w", name, err)
	}
	return data, nil
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
