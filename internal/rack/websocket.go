package rack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/coder/websocket"
)

// wsReadLimit bounds one websocket message (build logs can be big).
const wsReadLimit = 32 << 20

// errorFramePrefix starts a server-side failure inside a stream.
var errorFramePrefix = []byte("ERROR: ")

// stream dials a websocket, keeps it alive with pings, runs fn on it and
// closes our side when fn returns (the real CLI never does).
func (c *Client) stream(ctx context.Context, path string, header http.Header, fn func(context.Context, *websocket.Conn) error) error {
	conn, err := c.dial(ctx, path, header)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer conn.CloseNow() // no close handshake: the Rack never answers one
	go c.keepAlive(ctx, conn)
	return fn(ctx, conn)
}

// dial opens a websocket, retrying only where the stream provably never
// started: the connection was refused, or the handshake was answered 429 or
// 503 (Retry-After honoured). An exec is therefore never run twice.
func (c *Client) dial(ctx context.Context, path string, header http.Header) (*websocket.Conn, error) {
	if err := c.resolve(ctx); err != nil {
		return nil, err
	}
	if err := c.preflight(ctx, path); err != nil {
		return nil, err
	}
	for attempt := 0; ; attempt++ {
		conn, resp, err := c.dialOnce(ctx, path, header)
		if err == nil {
			return conn, nil
		}
		status := 0
		if resp != nil {
			status = resp.StatusCode
		}
		retryable := status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable || (status == 0 && notSent(err))
		if !retryable || attempt >= c.http.RetryMax || ctx.Err() != nil {
			return nil, err
		}
		c.log.Warn().Str("path", path).Int("status", status).Int("attempt", attempt+1).Msg("stream refused before it started; retrying")
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, attempt, resp)):
		}
	}
}

// dialOnce opens a websocket as the CLI does (docs/protocol.md, Websocket streams): the auth
// headers without Accept/Content-Type, Origin = the endpoint's
// scheme://host, no subprotocol, no compression, the client's TLS settings.
func (c *Client) dialOnce(ctx context.Context, path string, header http.Header) (*websocket.Conn, *http.Response, error) {
	h := http.Header{}
	for k, v := range header {
		h[k] = v
	}
	c.setHeaders(h, true)
	h.Set("Origin", strings.ToLower(c.base.Scheme+"://"+c.base.Host))
	conn, resp, err := websocket.Dial(ctx, c.wsTarget(path), &websocket.DialOptions{
		HTTPClient:      c.ws,
		HTTPHeader:      h,
		CompressionMode: websocket.CompressionDisabled,
	})
	if err != nil {
		var redirect *RedirectError
		if errors.As(err, &redirect) {
			return nil, nil, c.transportError(http.MethodGet, path, err)
		}
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			var body []byte
			if resp.Body != nil {
				body, _ = io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
				resp.Body.Close()
			}
			msg := errorMessage(resp.StatusCode, resp.Header.Get("Content-Type"), body, c.redact)
			return nil, resp, &Error{Kind: Classify(resp.StatusCode, msg), Status: resp.StatusCode, Message: "stream refused: " + msg,
				Method: http.MethodGet, Path: path, Host: c.Host()}
		}
		return nil, nil, c.transportError(http.MethodGet, path, err)
	}
	conn.SetReadLimit(wsReadLimit)
	return conn, resp, nil
}

// keepAlive pings every c.ping; the Rack does not answer (wire), so a
// missing pong is ignored: the pings only keep proxies from idling us out.
func (c *Client) keepAlive(ctx context.Context, conn *websocket.Conn) {
	t := time.NewTicker(c.ping)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			pctx, cancel := context.WithTimeout(ctx, c.ping)
			_ = conn.Ping(pctx)
			cancel()
		}
	}
}

// nextFrame reads one message. end is true at the end of the stream: an
// empty binary frame, or a normal close.
func nextFrame(ctx context.Context, conn *websocket.Conn) (data []byte, end bool, err error) {
	typ, data, err := conn.Read(ctx)
	if err != nil {
		switch websocket.CloseStatus(err) {
		case websocket.StatusNormalClosure, websocket.StatusGoingAway:
			return nil, true, nil
		}
		return nil, false, err
	}
	if typ == websocket.MessageBinary && len(data) == 0 {
		return nil, true, nil
	}
	return data, false, nil
}

// frameError turns an "ERROR: <message>" frame into an *Error.
func (c *Client) frameError(path string, data []byte) error {
	msg := strings.TrimSpace(string(bytes.TrimPrefix(data, errorFramePrefix)))
	return &Error{Kind: Classify(0, msg), Message: msg, Method: http.MethodGet, Path: path, Host: c.Host()}
}

// streamCut explains a stream that broke before its end.
func (c *Client) streamCut(ctx context.Context, path, what string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("reading %s on %s: %w", path, c.Host(), ctx.Err())
	}
	return &StreamError{Message: what, Path: path, Host: c.Host(), Err: err}
}

// copyStream copies text frames to w until the end of the stream. An ERROR:
// frame is a failure when it comes first, or anywhere when anyErrorFrame
// (for streams whose own lines cannot start with "ERROR: ").
func (c *Client) copyStream(ctx context.Context, conn *websocket.Conn, path string, w io.Writer, anyErrorFrame bool) error {
	first := true
	for {
		data, end, err := nextFrame(ctx, conn)
		if end {
			return nil
		}
		if err != nil {
			return c.streamCut(ctx, path, "the stream was cut before its end", err)
		}
		if bytes.HasPrefix(data, errorFramePrefix) && (first || anyErrorFrame) {
			return c.frameError(path, data)
		}
		first = false
		if _, err := w.Write(data); err != nil {
			return fmt.Errorf("writing the stream of %s: %w", path, err)
		}
	}
}

// BuildLogs copies a build's log to w until the Rack ends the stream. A
// build's own "ERROR: ..." line (a failed build) is log text; an ERROR:
// frame before any log (auth, no such build) is the returned *Error.
func (c *Client) BuildLogs(ctx context.Context, app, id string, w io.Writer) error {
	path := "/apps/" + esc(app) + "/builds/" + esc(id) + "/logs"
	return c.stream(ctx, path, nil, func(ctx context.Context, conn *websocket.Conn) error {
		return c.copyStream(ctx, conn, path, w, false)
	})
}

// LogsOptions selects app logs.
type LogsOptions struct {
	Service string        // only this service's logs
	Filter  string        // ignored by v3 Racks
	Follow  bool          // keep streaming; false sends Follow: false
	Since   time.Duration // 0: the Rack's default (2m)
	Tail    int           // 0: not sent
}

// AppLogs copies an app's (or a service's) logs to w until the stream ends.
// The lines are prefixed by the Rack, so any ERROR: frame is a failure.
func (c *Client) AppLogs(ctx context.Context, app string, opts LogsOptions, w io.Writer) error {
	path := "/apps/" + esc(app) + "/logs"
	if opts.Service != "" {
		path = "/apps/" + esc(app) + "/services/" + esc(opts.Service) + "/logs"
	}
	h := http.Header{}
	h.Set("Prefix", "true")
	if !opts.Follow {
		h.Set("Follow", "false")
	}
	if opts.Since > 0 {
		h.Set("Since", opts.Since.String())
	}
	if opts.Filter != "" {
		h.Set("Filter", opts.Filter)
	}
	if opts.Tail > 0 {
		h.Set("Tail", fmt.Sprint(opts.Tail))
	}
	return c.stream(ctx, path, h, func(ctx context.Context, conn *websocket.Conn) error {
		return c.copyStream(ctx, conn, path, w, true)
	})
}

// ExecOptions are the exec headers.
type ExecOptions struct {
	Entrypoint bool // run through the image's entrypoint (sent as Entrypoint: true)
	Tty        bool // sent as Tty: true|false
}

// ProcessExec runs command in a running process, sends stdin (nil: none,
// sent as Disable-Stdin: true, and an end of input at once) and copies the merged output to out. It returns the command's exit status;
// a stream that ends without it is a *StreamError, never status 0. On error
// the status is -1 unless the Rack sent one before failing.
func (c *Client) ProcessExec(ctx context.Context, app, pid, command string, opts ExecOptions, stdin io.Reader, out io.Writer) (int, error) {
	path := "/apps/" + esc(app) + "/processes/" + esc(pid) + "/exec"
	h := http.Header{}
	h.Set("Command", command)
	if opts.Entrypoint {
		h.Set("Entrypoint", "true")
	}
	h.Set("Tty", fmt.Sprint(opts.Tty))
	if stdin == nil {
		// The Rack never closes a container's stdin (provider/k8s
		// ProcessExec copies the socket into a pipe it never closes), so a
		// command that reads stdin would wait forever: tell it there is none.
		h.Set("Disable-Stdin", "true")
	}
	if out == nil {
		out = io.Discard
	}
	code := -1
	err := c.stream(ctx, path, h, func(ctx context.Context, conn *websocket.Conn) error {
		if stdin == nil {
			// No stdin: say EOF before reading, as the CLI does with </dev/null.
			if err := conn.Write(ctx, websocket.MessageBinary, nil); err != nil {
				return c.streamCut(ctx, path, "the exec stream broke before it started", err)
			}
		} else {
			go sendStdin(ctx, conn, stdin)
		}
		er := &execReader{c: c, path: path, out: out, code: -1}
		err := er.run(ctx, conn)
		code = er.code
		return err
	})
	return code, err
}

// sendStdin sends stdin as text frames, then the empty binary frame that
// says EOF. It ends early when the stream closes.
func sendStdin(ctx context.Context, conn *websocket.Conn, stdin io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := stdin.Read(buf)
		if n > 0 {
			if conn.Write(ctx, websocket.MessageText, buf[:n]) != nil {
				return
			}
		}
		if err != nil {
			break
		}
	}
	_ = conn.Write(ctx, websocket.MessageBinary, nil)
}

// execReader reads an exec stream: output, the exit marker, the end.
type execReader struct {
	c       *Client
	path    string
	out     io.Writer
	carry   []byte // a tail that may be the start of the marker
	code    int
	gotCode bool
	output  bool // some output came before
}

var exitMarker = []byte(ExitMarker)

func (r *execReader) run(ctx context.Context, conn *websocket.Conn) error {
	for {
		data, end, err := nextFrame(ctx, conn)
		if end {
			break
		}
		if err != nil {
			if r.gotCode && ctx.Err() == nil {
				return r.flush() // the status arrived; what follows does not matter
			}
			return r.c.streamCut(ctx, r.path, "the process exit status never arrived: the stream was cut", err)
		}
		// A server failure comes before any output, or after the marker
		// (docs/protocol.md, Websocket streams); elsewhere "ERROR: " is the command's own output.
		if bytes.HasPrefix(data, errorFramePrefix) && (!r.output || r.gotCode) && len(r.carry) == 0 {
			return r.c.frameError(r.path, data)
		}
		r.output = true
		if err := r.take(data); err != nil {
			return err
		}
	}
	if err := r.flush(); err != nil {
		return err
	}
	if !r.gotCode {
		return &StreamError{Message: "the process exit status never arrived: the stream ended without it", Path: r.path, Host: r.c.Host()}
	}
	return nil
}

// take handles one output frame: writes what precedes the marker, parses
// the status, holds back a tail that could start a marker split across frames.
func (r *execReader) take(data []byte) error {
	buf := append(r.carry, data...)
	r.carry = nil
	if r.gotCode {
		return r.write(buf)
	}
	if i := bytes.Index(buf, exitMarker); i >= 0 {
		if err := r.write(buf[:i]); err != nil {
			return err
		}
		line, rest, _ := bytes.Cut(buf[i+len(exitMarker):], []byte("\n"))
		code, err := strconv.Atoi(strings.TrimSpace(string(line)))
		if err != nil {
			return &StreamError{Message: fmt.Sprintf("unable to read the exit status from %q", r.c.redact.Truncate(string(line), 40)), Path: r.path, Host: r.c.Host()}
		}
		r.code, r.gotCode = code, true
		return r.write(rest)
	}
	k := partialSuffix(buf, exitMarker)
	r.carry = append([]byte(nil), buf[len(buf)-k:]...)
	return r.write(buf[:len(buf)-k])
}

func (r *execReader) flush() error {
	buf := r.carry
	r.carry = nil
	return r.write(buf)
}

func (r *execReader) write(p []byte) error {
	if len(p) == 0 {
		return nil
	}
	if _, err := r.out.Write(p); err != nil {
		return fmt.Errorf("writing the output of %s: %w", r.path, err)
	}
	return nil
}

// partialSuffix is the length of the longest tail of buf that is a proper
// prefix of marker.
func partialSuffix(buf, marker []byte) int {
	for k := min(len(buf), len(marker)-1); k > 0; k-- {
		if bytes.HasSuffix(buf, marker[:k]) {
			return k
		}
	}
	return 0
}
