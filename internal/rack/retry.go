package rack

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/hashicorp/go-retryablehttp"
	"github.com/rs/zerolog"
)

// retryClass is how far a request may be repeated; each call decides.
type retryClass int

const (
	// retryNever: never repeated.
	retryNever retryClass = iota
	// retryUnsent: repeated only when the Rack certainly did not act on it
	// (the connection was never made; 429). For POSTs that create things.
	retryUnsent
	// retryDialOnly: repeated only when the connection was never made. For
	// bodies that cannot be produced twice.
	retryDialOnly
	// retrySafe: repeated on network errors, 429, 502, 503, 504 (and 500
	// for GET/HEAD). For reads and idempotent writes.
	retrySafe
)

// reqState travels in the request's context so that CheckRetry and the
// logging transport know what the call allows and which attempt this is.
type reqState struct {
	method, path string
	class        retryClass
	slowAnswer   bool // the Rack may work for minutes before answering: no answer timeout
	attempts     atomic.Int32
}

type stateKey struct{}

func stateFrom(ctx context.Context) *reqState {
	st, _ := ctx.Value(stateKey{}).(*reqState)
	return st
}

// maxRetryAfter caps a Retry-After the client will honour.
const maxRetryAfter = time.Minute

func (c *Client) newRetryClient(cfg Config, tlsConf *tls.Config) *retryablehttp.Client {
	rc := retryablehttp.NewClient()
	quick := newTransport(tlsConf)
	quick.ResponseHeaderTimeout = orDefault(cfg.AnswerTimeout, DefaultAnswerTimeout)
	rc.HTTPClient = &http.Client{
		Transport:     &logTransport{next: quick, slow: newTransport(tlsConf), answerTimeout: quick.ResponseHeaderTimeout, log: &c.log},
		CheckRedirect: checkRedirect,
	}
	rc.Logger = leveledLogger{log: c.log}
	rc.RetryMax = DefaultRetryMax
	if cfg.RetryMax > 0 {
		rc.RetryMax = cfg.RetryMax
	} else if cfg.RetryMax < 0 {
		rc.RetryMax = 0
	}
	rc.RetryWaitMin = orDefault(cfg.RetryWaitMin, DefaultRetryWaitMin)
	rc.RetryWaitMax = orDefault(cfg.RetryWaitMax, DefaultRetryWaitMax)
	rc.CheckRetry = c.checkRetry
	rc.Backoff = backoff
	rc.ErrorHandler = retryablehttp.PassthroughErrorHandler
	return rc
}

func orDefault(v, def time.Duration) time.Duration {
	if v > 0 {
		return v
	}
	return def
}

// checkRetry is the retryablehttp CheckRetry: the request's class decides.
func (c *Client) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	st := stateFrom(ctx)
	if st == nil {
		return false, nil
	}
	if !shouldRetry(st.class, st.method, resp, err) {
		return false, nil
	}
	ev := c.log.Warn().Str("method", st.method).Str("path", st.path).Int32("attempt", st.attempts.Load())
	if err != nil {
		ev = ev.Err(err)
	} else {
		ev = ev.Int("status", resp.StatusCode)
	}
	ev.Msg("Rack API call failed; retrying")
	return true, nil
}

// shouldRetry decides one failed attempt.
func shouldRetry(class retryClass, method string, resp *http.Response, err error) bool {
	if err != nil {
		if permanent(err) {
			return false
		}
		switch class {
		case retrySafe:
			return true
		case retryUnsent, retryDialOnly:
			return notSent(err)
		}
		return false
	}
	if resp == nil {
		return false
	}
	switch resp.StatusCode {
	case http.StatusTooManyRequests:
		return class == retrySafe || class == retryUnsent
	case http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return class == retrySafe
	case http.StatusInternalServerError:
		return class == retrySafe && (method == http.MethodGet || method == http.MethodHead) && !saysNotFound(resp)
	}
	return false
}

// saysNotFound reports a 500 whose message says not found: a real k8s Rack
// answers an unknown build, release or process with the Kubernetes error
// (`builds.convox.com "bx" not found`), which carries no status, so it comes
// as a 500; asking again cannot change it. The body is read and put back for
// the caller.
func saysNotFound(resp *http.Response) bool {
	if resp.Body == nil {
		return false
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	resp.Body = readCloser{Reader: io.MultiReader(bytes.NewReader(body), resp.Body), Closer: resp.Body}
	if err != nil {
		return false
	}
	return Classify(resp.StatusCode, errorMessage(resp.StatusCode, resp.Header.Get("Content-Type"), body, noRedactor{})) == NotFound
}

type readCloser struct {
	io.Reader
	io.Closer
}

// notSent reports a failure before the request could reach the server.
func notSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// permanent reports errors that repeating cannot fix.
func permanent(err error) bool {
	var re *RedirectError
	if isCertError(err) || errors.As(err, &re) || localError(err) != nil {
		return true
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return true
	}
	s := err.Error()
	for _, p := range []string{"unsupported protocol scheme", "stopped after", "invalid header", "server gave HTTP response to HTTPS client", "cannot be sent twice"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

// backoff doubles from min to max, but honours Retry-After on 429 and 503
// (up to maxRetryAfter).
func backoff(lo, hi time.Duration, attempt int, resp *http.Response) time.Duration {
	if resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
		if d, ok := retryAfter(resp.Header.Get("Retry-After"), time.Now()); ok {
			return d
		}
	}
	d := lo
	for i := 0; i < attempt && d < hi; i++ {
		d *= 2
	}
	return min(d, hi)
}

// retryAfter parses a Retry-After value (seconds or an HTTP date).
func retryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	var d time.Duration
	if n, err := strconv.Atoi(v); err == nil {
		if n < 0 {
			return 0, false
		}
		d = time.Duration(n) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = max(t.Sub(now), 0)
	} else {
		return 0, false
	}
	return min(d, maxRetryAfter), true
}

// leveledLogger routes retryablehttp's own messages to zerolog, one level
// down: our transport logs each attempt and checkRetry each retry.
type leveledLogger struct{ log zerolog.Logger }

func (l leveledLogger) Error(msg string, kv ...interface{}) { l.log.Debug().Fields(kv).Msg(msg) }
func (l leveledLogger) Warn(msg string, kv ...interface{})  { l.log.Debug().Fields(kv).Msg(msg) }
func (l leveledLogger) Info(msg string, kv ...interface{})  { l.log.Trace().Fields(kv).Msg(msg) }
func (l leveledLogger) Debug(msg string, kv ...interface{}) { l.log.Trace().Fields(kv).Msg(msg) }

// logTransport logs every attempt at debug: method, path, status, attempt,
// duration. Never headers, never bodies.
// Calls marked slowAnswer go through slow (when set) instead of next, whose
// answer timeout is answerTimeout.
type logTransport struct {
	next, slow    http.RoundTripper
	answerTimeout time.Duration
	log           *zerolog.Logger
}

// noAnswerError is a request sent whose answer did not begin within the
// answer timeout. Unlike net/http's own error for it, it is not
// context.DeadlineExceeded: the run's deadline has not passed, the answer
// was lost (a read is retried, a creation is ambiguous).
type noAnswerError struct{ after time.Duration }

func (e *noAnswerError) Error() string {
	return fmt.Sprintf("no answer within %s after the request was sent", e.after)
}

func (t *logTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	attempt := int32(1)
	next := t.next
	if st := stateFrom(r.Context()); st != nil {
		attempt = st.attempts.Add(1)
		if st.slowAnswer && t.slow != nil {
			next = t.slow
		}
	}
	start := time.Now()
	resp, err := next.RoundTrip(r)
	if err != nil && next == t.next && t.answerTimeout > 0 && r.Context().Err() == nil &&
		strings.Contains(err.Error(), "timeout awaiting response headers") {
		err = &noAnswerError{after: t.answerTimeout}
	}
	ev := t.log.Debug().Str("method", r.Method).Str("path", r.URL.Path).Int32("attempt", attempt).Dur("duration_ms", time.Since(start))
	if r.Header.Get("Upgrade") != "" {
		ev = ev.Bool("websocket", true)
	}
	if err != nil {
		ev = ev.Err(err)
	} else {
		ev = ev.Int("status", resp.StatusCode)
	}
	ev.Msg("rack api")
	return resp, err
}
