package rack

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"strings"
)

// Kind is what an API error means to the caller.
type Kind int

// Error kinds. The Rack's message decides before its status code does
// (docs/protocol.md, Errors: older Racks answer "not found" as a 500, and a read-only
// token's refusal comes as a 401).
const (
	Other          Kind = iota // anything else
	Unauthorized               // the password, key or token was refused
	Forbidden                  // authenticated, but not allowed to do this
	NotFound                   // no such app, build, release, process or route
	Conflict                   // the app's state forbids it now ("app is currently updating")
	Invalid                    // the request was refused as invalid (400, 422)
	Unavailable                // the Rack or a proxy in front of it failed (5xx, 429, network)
	BadCertificate             // the server's TLS certificate could not be verified
)

var kindNames = map[Kind]string{
	Other: "other", Unauthorized: "unauthorized", Forbidden: "forbidden", NotFound: "not found",
	Conflict: "conflict", Invalid: "invalid", Unavailable: "unavailable", BadCertificate: "bad certificate",
}

func (k Kind) String() string { return kindNames[k] }

// Sentinels matched by errors.Is against an *Error of the same kind.
var (
	ErrUnauthorized   = errors.New("unauthorized")
	ErrForbidden      = errors.New("forbidden")
	ErrNotFound       = errors.New("not found")
	ErrConflict       = errors.New("conflict")
	ErrInvalid        = errors.New("invalid request")
	ErrUnavailable    = errors.New("unavailable")
	ErrBadCertificate = errors.New("bad certificate")
	// ErrAmbiguous matches a failed call that creates something, where the
	// request was sent but no answer came back (a reset, a cut answer, or a
	// proxy's 502/503/504): the Rack may or may not have carried it out.
	ErrAmbiguous = errors.New("ambiguous failure: the Rack may or may not have carried out the request")
)

var kindSentinels = map[Kind]error{
	Unauthorized: ErrUnauthorized, Forbidden: ErrForbidden, NotFound: ErrNotFound, Conflict: ErrConflict,
	Invalid: ErrInvalid, Unavailable: ErrUnavailable, BadCertificate: ErrBadCertificate,
}

// Error is a failed Rack API call: an error answer, an ERROR: frame in a
// stream (Status 0), or a network or TLS failure (Status 0, Err set).
type Error struct {
	Kind    Kind
	Status  int    // HTTP status; 0 for stream and network errors
	Message string // the API's message, or a summary of what came back
	Method  string
	Path    string
	Host    string // host (and port) only, never credentials
	Err     error  // the underlying network or TLS error, if any
	// Ambiguous is set on a call that creates or changes something (a POST
	// that is not safe to repeat) when the request was sent but its answer
	// was lost: the Rack may have acted on it. Callers look the object up
	// before repeating. errors.Is(err, ErrAmbiguous) tests it.
	Ambiguous bool
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Message)
	if e.Method != "" || e.Path != "" {
		b.WriteString(" (")
		b.WriteString(strings.TrimSpace(e.Method + " " + e.Path))
		if e.Host != "" {
			b.WriteString(" on " + e.Host)
		}
		if e.Status != 0 {
			fmt.Fprintf(&b, ": %d", e.Status)
		}
		b.WriteString(")")
	}
	if e.Ambiguous {
		b.WriteString("; the request was sent but its answer was lost, so the Rack may or may not have carried it out")
	}
	return b.String()
}

// Unwrap returns the underlying network or TLS error.
func (e *Error) Unwrap() error { return e.Err }

// Is matches the sentinel of the error's kind, and ErrAmbiguous when the
// error is ambiguous.
func (e *Error) Is(target error) bool {
	if target == ErrAmbiguous {
		return e.Ambiguous
	}
	s, ok := kindSentinels[e.Kind]
	return ok && s == target
}

// StreamError is a stream that ended without what it owed: an exec stream
// cut before the exit status arrived, or a log stream cut before its end.
type StreamError struct {
	Message string
	Path    string
	Host    string
	Err     error // what cut it, if known
}

func (e *StreamError) Error() string {
	s := e.Message
	if e.Path != "" {
		s += " (" + e.Path
		if e.Host != "" {
			s += " on " + e.Host
		}
		s += ")"
	}
	if e.Err != nil {
		s += ": " + e.Err.Error()
	}
	return s
}

// Unwrap returns what cut the stream.
func (e *StreamError) Unwrap() error { return e.Err }

// Messages that decide the kind whatever the status (lower case).
var messageKinds = []struct {
	substr string
	kind   Kind
}{
	{"invalid authentication", Unauthorized},
	{"cli token is expired", Unauthorized},
	{"invalid session", Unauthorized},
	{"you are unauthorized to access this", Forbidden},
	{"requires write access", Forbidden},
	{"admin role required", Forbidden},
	{"app is currently updating", Conflict},
	{"app is not updating", Conflict},
	{"not found", NotFound},
	{"no such", NotFound},
}

// Classify gives the kind of an API error: by its message first, then by
// its status (0 for ERROR: frames).
func Classify(status int, message string) Kind {
	m := strings.ToLower(message)
	for _, mk := range messageKinds {
		if strings.Contains(m, mk.substr) {
			return mk.kind
		}
	}
	switch {
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		return Forbidden
	case status == http.StatusNotFound:
		return NotFound
	case status == http.StatusConflict:
		return Conflict
	case status == http.StatusBadRequest || status == http.StatusUnprocessableEntity:
		return Invalid
	case status == http.StatusTooManyRequests:
		return Unavailable
	case status == http.StatusNotImplemented:
		return Other
	case status >= 500:
		return Unavailable
	}
	return Other
}

// maxMessage bounds a text message taken from an error body.
const maxMessage = 500

var htmlTitle = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// errorMessage extracts the message of an error answer: JSON {"error":...},
// else the trimmed text, else "response status N"; HTML pages (proxies,
// load balancers) are summarised, never dumped. Text is cut only after r
// has redacted it, so a secret is never cut in two before it is recognised.
func errorMessage(status int, contentType string, body []byte, r Redactor) string {
	t := bytes.TrimSpace(body)
	if len(t) == 0 {
		return fmt.Sprintf("response status %d", status)
	}
	if t[0] == '{' {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(t, &e) == nil && e.Error != "" {
			return e.Error
		}
	}
	if isHTML(contentType, t) {
		s := fmt.Sprintf("response status %d with an HTML page", status)
		if m := htmlTitle.FindSubmatch(t); m != nil {
			// Redacted before its white space is tidied: a secret holding
			// a tab or a run of spaces would no longer be recognised.
			raw := r.Truncate(string(m[1]), math.MaxInt) // redacts only
			if title := strings.Join(strings.Fields(raw), " "); title != "" {
				s += fmt.Sprintf(" titled %q", r.Truncate(title, 100))
			}
		}
		return s + " (a proxy or load balancer answered, not the Rack API)"
	}
	return r.Truncate(string(t), maxMessage)
}

func isHTML(contentType string, body []byte) bool {
	if strings.Contains(strings.ToLower(contentType), "text/html") {
		return true
	}
	head := strings.ToLower(string(body[:min(len(body), 256)]))
	return strings.HasPrefix(head, "<!doctype html") || strings.HasPrefix(head, "<html") || strings.Contains(head, "<head>")
}

// Redactor hides secrets in free text from a server before it is cut;
// report.Secrets is one.
type Redactor interface {
	// Truncate redacts text, then cuts it to at most n bytes.
	Truncate(text string, n int) string
	// Add registers a secret the client learns: the Console session.
	Add(values ...string)
}

// noRedactor only cuts: for a client given no Redactor.
type noRedactor struct{}

func (noRedactor) Add(...string) {}

func (noRedactor) Truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// certificateHelp names both ways out of an untrusted certificate.
const certificateHelp = "trust its CA with --ca-file / CONVOX_CA_FILE (a PEM file; given a Rack's own self-signed certificate, " +
	"CN=api as `openssl s_client -showcerts` prints it, that exact certificate is trusted whatever the host name), " +
	"or skip verification with --insecure-skip-verify / CONVOX_INSECURE_SKIP_VERIFY (not recommended)"
