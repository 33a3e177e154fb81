package rack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"

	"github.com/hashicorp/go-retryablehttp"
)

// call is one plain API request.
type call struct {
	method string
	path   string     // API path with each segment escaped, e.g. /apps/myapp/builds
	query  url.Values // URL query; the target always ends in "?" as the CLI sends it
	form   url.Values // x-www-form-urlencoded body
	body   retryablehttp.ReaderFunc
	header http.Header // option headers (run options travel as headers)
	retry  retryClass
	noRack bool // Console's own endpoint (GET /racks): no rack resolution, no Rack header
	// slowAnswer: the Rack may work for minutes before answering (build
	// export and import copy images), so DefaultAnswerTimeout does not apply.
	slowAnswer bool
}

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// maxJSONBody bounds a JSON answer.
const maxJSONBody = 64 << 20

// esc escapes one path segment.
func esc(s string) string { return url.PathEscape(s) }

// target is the full URL of an API path: the endpoint's prefix plus path,
// and always a "?" (docs/protocol.md, Requests).
func (c *Client) target(path string, query url.Values) string {
	return c.endpoint(c.base.Scheme, path) + "?" + query.Encode()
}

// wsTarget is the websocket URL of an API path (no "?").
func (c *Client) wsTarget(path string) string {
	scheme := "wss"
	if c.base.Scheme == "http" {
		scheme = "ws"
	}
	return c.endpoint(scheme, path)
}

// endpoint is scheme://host, the endpoint's prefix and path. A path always
// starts with /, so that no path (one a server named, such as Console's
// session path) can change the host or port the credentials go to
// ("@other/x", ":8443/x").
func (c *Client) endpoint(scheme, path string) string {
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	prefix := (&url.URL{Path: c.base.Path}).EscapedPath()
	return scheme + "://" + c.base.Host + prefix + path
}

// setHeaders adds what every request carries (docs/protocol.md, Requests): auth,
// User-Agent, Version, the actor, and in Console mode Rack and Session.
func (c *Client) setHeaders(h http.Header, withRack bool) {
	h.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(c.user+":"+c.password)))
	h.Set("User-Agent", c.userAgent)
	h.Set("Version", "dev")
	if c.actor != "" {
		h.Set("X-Convox-Actor", c.actor)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.console || c.direct {
		return
	}
	if withRack && c.rackName != "" {
		h.Set("Rack", c.rackName)
	}
	h["Session"] = []string{c.session} // sent even when empty, as the CLI does
}

// do sends a call: resolves the Console rack first, answers a Console session
// challenge once, and turns an error answer into an *Error. The caller closes
// the body of the 2xx answer it gets.
func (c *Client) do(ctx context.Context, cl call) (*http.Response, error) {
	if !cl.noRack {
		if err := c.resolve(ctx); err != nil {
			return nil, err
		}
	}
	resp, err := c.send(ctx, cl)
	if err != nil {
		return nil, markAmbiguous(cl, err)
	}
	if resp.StatusCode == http.StatusUnauthorized {
		if p, token, ok := sessionChallenge(resp.Header); ok {
			discard(resp)
			if err := c.openSession(ctx, p, token); err != nil {
				return nil, err
			}
			if resp, err = c.send(ctx, cl); err != nil {
				return nil, markAmbiguous(cl, err)
			}
		}
	}
	if resp.StatusCode >= 300 {
		defer discard(resp)
		return nil, markAmbiguous(cl, c.responseError(cl, resp))
	}
	return resp, nil
}

// send makes one request through the retrying client.
func (c *Client) send(ctx context.Context, cl call) (*http.Response, error) {
	st := &reqState{method: cl.method, path: cl.path, class: cl.retry, slowAnswer: cl.slowAnswer}
	var body interface{}
	ctype := "application/octet-stream"
	switch {
	case cl.form != nil:
		body = []byte(cl.form.Encode())
		ctype = "application/x-www-form-urlencoded"
	case cl.body != nil:
		body = cl.body
	}
	req, err := retryablehttp.NewRequestWithContext(context.WithValue(ctx, stateKey{}, st), cl.method, c.target(cl.path, cl.query), body)
	if err != nil {
		return nil, fmt.Errorf("preparing %s %s: %w", cl.method, cl.path, err)
	}
	for k, v := range cl.header {
		req.Header[k] = v
	}
	c.setHeaders(req.Header, !cl.noRack)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("Content-Type", ctype)
	resp, err := c.http.Do(req)
	if err != nil {
		if resp != nil {
			resp.Body.Close()
		}
		return nil, c.transportError(cl.method, cl.path, err)
	}
	return resp, nil
}

// getJSON sends a call and decodes its JSON answer into out.
func (c *Client) getJSON(ctx context.Context, cl call, out interface{}) error {
	resp, err := c.do(ctx, cl)
	if err != nil {
		return err
	}
	defer discard(resp)
	return markAmbiguous(cl, c.decode(cl, resp, out))
}

// markAmbiguous flags the failure of a call that is not safe to repeat
// (a POST that creates or changes something) when the request went out and
// its answer was lost: a connection reset or EOF after sending, an answer
// cut while being read, or a proxy's 502, 503 or 504 (a proxy may have
// forwarded the request before failing). A refused connection, a 429 and the
// Rack's own error answers are not ambiguous: the Rack did not act.
func markAmbiguous(cl call, err error) error {
	if cl.retry == retrySafe || cl.method == http.MethodGet || cl.method == http.MethodHead {
		return err
	}
	var e *Error
	if !errors.As(err, &e) || e.Kind != Unavailable {
		return err
	}
	switch {
	case e.Status == http.StatusBadGateway, e.Status == http.StatusServiceUnavailable, e.Status == http.StatusGatewayTimeout:
	case e.Status == 0 && e.Err != nil && !notSent(e.Err):
	case e.Status >= 200 && e.Status < 300: // the answer was cut while being read
	default:
		return err
	}
	e.Ambiguous = true
	return err
}

// decode reads a JSON answer; anything else is an error that says what came.
func (c *Client) decode(cl call, resp *http.Response, out interface{}) error {
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxJSONBody))
	if err != nil {
		return &Error{Kind: Unavailable, Status: resp.StatusCode, Message: "reading the answer failed: " + err.Error(),
			Method: cl.method, Path: cl.path, Host: c.Host(), Err: err}
	}
	if err := json.Unmarshal(data, out); err != nil {
		what := "a body that is not JSON"
		if t := strings.TrimSpace(string(data)); t == "" {
			what = "an empty body"
		} else if json.Valid(data) {
			what = "JSON of another shape: " + err.Error()
		} else if isHTML(resp.Header.Get("Content-Type"), []byte(t)) {
			what = errorMessage(resp.StatusCode, resp.Header.Get("Content-Type"), data, c.redact)
		}
		return &Error{Kind: Other, Status: resp.StatusCode, Message: "unexpected answer, not the Rack API's JSON: " + what,
			Method: cl.method, Path: cl.path, Host: c.Host(), Err: err}
	}
	return nil
}

// responseError turns an error answer into an *Error.
func (c *Client) responseError(cl call, resp *http.Response) error {
	e := &Error{Status: resp.StatusCode, Method: cl.method, Path: cl.path, Host: c.Host()}
	if resp.StatusCode < 400 {
		loc := resp.Header.Get("Location")
		if u, err := url.Parse(loc); err == nil {
			u.User = nil
			loc = u.String()
		}
		e.Kind = Other
		e.Message = fmt.Sprintf("unexpected redirect to %q (is the host or its scheme right?)", loc)
		return e
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	e.Message = errorMessage(resp.StatusCode, resp.Header.Get("Content-Type"), body, c.redact)
	e.Kind = Classify(resp.StatusCode, e.Message)
	return e
}

// transportError explains a request that got no answer.
func (c *Client) transportError(method, path string, err error) error {
	if le := localError(err); le != nil {
		return le // the body could not be produced here: nothing to do with the Rack
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s %s on %s: %w", method, path, c.Host(), err)
	}
	cause := err
	var ue *url.Error
	if errors.As(err, &ue) {
		cause = ue.Err // the URL is in Method/Path/Host already
	}
	e := &Error{Kind: Unavailable, Method: method, Path: path, Host: c.Host(), Err: err}
	var redirect *RedirectError
	switch {
	case errors.As(err, &redirect):
		e.Kind = Other
		e.Message = redirect.Error()
	case isCertError(err):
		e.Kind = BadCertificate
		e.Message = fmt.Sprintf("the TLS certificate of %s could not be verified (%v); if the Rack serves a self-signed certificate, %s",
			c.Host(), certCause(err), certificateHelp)
	case strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		e.Kind = Other
		e.Message = fmt.Sprintf("%s answers plain HTTP, not HTTPS: if that is intended, give the host as http://%s", c.Host(), c.Host())
	default:
		e.Message = "could not reach the Rack API: " + cause.Error()
	}
	return e
}

// localError finds, in err's chain, an error of this machine's that kept a
// request body from being produced (it has a LocalError() bool method
// returning true, as source.Error does): such an error is the caller's, is
// reported as it is and never retried.
func localError(err error) error {
	var le interface{ LocalError() bool }
	if errors.As(err, &le) && le.LocalError() {
		return le.(error)
	}
	return nil
}

// isCertError reports a failed certificate verification.
func isCertError(err error) bool {
	var cv *tls.CertificateVerificationError
	var ua x509.UnknownAuthorityError
	var he x509.HostnameError
	var ci x509.CertificateInvalidError
	return errors.As(err, &cv) || errors.As(err, &ua) || errors.As(err, &he) || errors.As(err, &ci)
}

// certCause is the x509 reason without Go's wrapping.
func certCause(err error) error {
	var cv *tls.CertificateVerificationError
	if errors.As(err, &cv) && cv.Err != nil {
		return cv.Err
	}
	return err
}

// discard drains a little of a body (so the connection can be reused) and closes it.
func discard(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
}

// streamBody adapts a body opener for retryablehttp: its construction-time
// probe gets an empty reader (so nothing is opened for it and the length stays
// unknown: the body goes chunked), and each attempt opens the body afresh.
func streamBody(open func() (io.Reader, error)) retryablehttp.ReaderFunc {
	var probed atomic.Bool
	return func() (io.Reader, error) {
		if probed.CompareAndSwap(false, true) {
			return struct{ io.Reader }{strings.NewReader("")}, nil
		}
		r, err := open()
		if err != nil {
			return nil, fmt.Errorf("opening the request body: %w", err)
		}
		if r == nil {
			return struct{ io.Reader }{strings.NewReader("")}, nil
		}
		return r, nil
	}
}

// onceBody serves a body that cannot be produced twice: a second attempt gets
// it again only if nothing of it was read.
func onceBody(r io.Reader) func() (io.Reader, error) {
	cr := &countingReader{r: r}
	served := false
	return func() (io.Reader, error) {
		if served && cr.n.Load() > 0 {
			return nil, errors.New("the upload was interrupted after it started, and its body cannot be sent twice")
		}
		served = true
		return io.NopCloser(cr), nil
	}
}

// contextReader reads r, but a Read returns as soon as ctx ends, even when
// r blocks forever (stdin from a pipe that says nothing): Go's transport
// waits for the body's Read before it gives up a cancelled request. A
// goroutine copies r through a pipe, holding at most one chunk; it is left
// blocked on r if ctx ends first, which happens only as a run ends.
func contextReader(ctx context.Context, r io.Reader) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		_, err := io.Copy(pw, r)
		pw.CloseWithError(err)
	}()
	context.AfterFunc(ctx, func() { pr.CloseWithError(context.Cause(ctx)) })
	return pr
}

type countingReader struct {
	r io.Reader
	n atomic.Int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

var sessionRe = regexp.MustCompile(`Session\s+path="([^"]*)"\s+token="(true|false)"`)

// sessionChallenge finds Console's `Session path="<p>" token="<bool>"`.
func sessionChallenge(h http.Header) (path, token string, ok bool) {
	for _, v := range h.Values("Www-Authenticate") {
		if m := sessionRe.FindStringSubmatch(v); m != nil {
			return m[1], m[2], true
		}
	}
	return "", "", false
}

// openSession answers Console's session challenge (docs/protocol.md, Console's session challenge) and
// keeps the session id in memory for the following calls.
func (c *Client) openSession(ctx context.Context, path, token string) error {
	cl := call{method: http.MethodPost, path: path, retry: retryUnsent}
	if token == "true" {
		return &Error{Kind: Unauthorized, Status: http.StatusUnauthorized, Method: cl.method, Path: path, Host: c.Host(),
			Message: "Console asks for an interactive login (a second factor), which cannot run in CI: use a Console deploy key as CONVOX_PASSWORD"}
	}
	resp, err := c.send(ctx, cl)
	if err != nil {
		return fmt.Errorf("opening a Console session: %w", err)
	}
	defer discard(resp)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("opening a Console session: %w", c.responseError(cl, resp))
	}
	var s struct {
		ID string `json:"id"`
	}
	if err := c.decode(cl, resp, &s); err != nil {
		return fmt.Errorf("opening a Console session: %w", err)
	}
	if s.ID == "" {
		return &Error{Kind: Unauthorized, Status: resp.StatusCode, Message: "invalid session", Method: cl.method, Path: path, Host: c.Host()}
	}
	c.redact.Add(s.ID) // a credential from now on: never in any output
	c.mu.Lock()
	c.session = s.ID
	c.mu.Unlock()
	c.log.Debug().Str("host", c.Host()).Msg("Console session opened")
	return nil
}
