package rack

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// flaky answers METHOD path with the given statuses in turn (then 200 with
// body ok), recording each attempt's time and body.
type flaky struct {
	statuses []int
	header   http.Header // added to the failing answers
	body     string      // of the failing answers; default "try again later\n"
	ok       string

	mu     sync.Mutex
	times  []time.Time
	bodies []string
	chunk  []bool
}

func (f *flaky) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	n := len(f.times)
	f.times = append(f.times, time.Now())
	f.bodies = append(f.bodies, string(body))
	f.chunk = append(f.chunk, r.ContentLength == -1 && len(r.TransferEncoding) == 1 && r.TransferEncoding[0] == "chunked")
	f.mu.Unlock()
	if n < len(f.statuses) {
		for k, v := range f.header {
			w.Header()[k] = v
		}
		w.WriteHeader(f.statuses[n])
		body := f.body
		if body == "" {
			body = "try again later\n"
		}
		_, _ = io.WriteString(w, body)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, f.ok)
}

func (f *flaky) attempts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.times)
}

func serveFlaky(t *testing.T, f *flaky) *Client {
	t.Helper()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	return c
}

func TestRetryGetOn503ThenSucceeds(t *testing.T) {
	f := &flaky{statuses: []int{503}, ok: `{"name":"staging","version":"3.24.9"}`}
	c := serveFlaky(t, f)
	sys, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, "staging", sys.Name)
	require.Equal(t, 2, f.attempts())
}

func TestRetryGetOn500ThenSucceeds(t *testing.T) {
	f := &flaky{statuses: []int{500, 502, 504}, ok: `{"name":"myapp"}`}
	c := serveFlaky(t, f)
	_, err := c.AppGet(context.Background(), "myapp")
	require.NoError(t, err)
	require.Equal(t, 4, f.attempts())
}

func TestRetryGivesUpWithTheLastAnswer(t *testing.T) {
	f := &flaky{statuses: []int{503, 503, 503, 503, 503}}
	c := serveFlaky(t, f)
	_, err := c.SystemGet(context.Background())
	require.ErrorIs(t, err, ErrUnavailable)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, 503, e.Status)
	require.Equal(t, "try again later", e.Message, "the error body survives the retries")
	require.Equal(t, 4, f.attempts(), "RetryMax 3: four attempts")
}

func TestBuildCreateNotRetriedOn502(t *testing.T) {
	f := &flaky{statuses: []int{502}, ok: `{"id":"B1"}`}
	c := serveFlaky(t, f)
	_, err := c.BuildCreate(context.Background(), "myapp", BuildCreateOptions{URL: "object://myapp/tmp/x.tgz"})
	require.ErrorIs(t, err, ErrUnavailable)
	require.Equal(t, 1, f.attempts(), "a build create may have happened: never replayed")
}

func TestPostsNotRetriedOnServerErrors(t *testing.T) {
	env := "A=1"
	ctx := context.Background()
	tests := map[string]func(c *Client) error{
		"release create": func(c *Client) error {
			_, err := c.ReleaseCreate(ctx, "myapp", ReleaseCreateOptions{Env: &env})
			return err
		},
		"promote": func(c *Client) error { return c.ReleasePromote(ctx, "myapp", "R1", PromoteOptions{}) },
		"process start": func(c *Client) error {
			_, err := c.ProcessStart(ctx, "myapp", "web", ProcessRunOptions{Command: "sleep 60"})
			return err
		},
		"app create": func(c *Client) error { _, err := c.AppCreate(ctx, "myapp"); return err },
		"build import": func(c *Client) error {
			_, err := c.BuildImport(ctx, "myapp", strings.NewReader("artifact"))
			return err
		},
	}
	for name, call := range tests {
		for _, status := range []int{500, 502, 503, 504} {
			t.Run(name+" "+http.StatusText(status), func(t *testing.T) {
				f := &flaky{statuses: []int{status}, ok: `{}`}
				c := serveFlaky(t, f)
				require.Error(t, call(c))
				require.Equal(t, 1, f.attempts())
			})
		}
	}
}

func TestBuildCreateRetriedOn429(t *testing.T) {
	f := &flaky{statuses: []int{429}, ok: `{"id":"B1","status":"running"}`}
	c := serveFlaky(t, f)
	b, err := c.BuildCreate(context.Background(), "myapp", BuildCreateOptions{URL: "object://myapp/tmp/x.tgz"})
	require.NoError(t, err)
	require.Equal(t, "B1", b.ID)
	require.Equal(t, 2, f.attempts(), "429 means the request was not processed")
}

func TestRetryAfterHonoured(t *testing.T) {
	f := &flaky{statuses: []int{429}, header: http.Header{"Retry-After": {"1"}}, ok: `{"name":"staging"}`}
	c := serveFlaky(t, f)
	_, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, 2, f.attempts())
	f.mu.Lock()
	gap := f.times[1].Sub(f.times[0])
	f.mu.Unlock()
	// a lower bound only: the client must not come back before Retry-After (RetryWaitMax is 5ms)
	require.GreaterOrEqual(t, gap, 900*time.Millisecond)
}

func TestObjectStoreRetriedWithBodyRegenerated(t *testing.T) {
	f := &flaky{statuses: []int{503}, ok: `{"Url":"object://myapp/tmp/src.tgz"}`}
	c := serveFlaky(t, f)
	opened := 0
	o, err := c.ObjectStore(context.Background(), "myapp", "tmp/src.tgz", func() (io.Reader, error) {
		opened++
		return io.NopCloser(strings.NewReader("tarball-bytes")), nil
	})
	require.NoError(t, err)
	require.Equal(t, "object://myapp/tmp/src.tgz", o.URL)
	require.Equal(t, 2, f.attempts())
	require.Equal(t, 2, opened, "one body per attempt, none for the library's probe")
	require.Equal(t, []string{"tarball-bytes", "tarball-bytes"}, f.bodies)
	require.Equal(t, []bool{true, true}, f.chunk, "streamed: chunked, no Content-Length")
}

func TestBuildImportIsChunkedAndSentOnce(t *testing.T) {
	f := &flaky{ok: `{"id":"B1","release":"R1","status":"complete"}`}
	c := serveFlaky(t, f)
	b, err := c.BuildImport(context.Background(), "myapp", io.MultiReader(strings.NewReader("part1"), strings.NewReader("part2")))
	require.NoError(t, err)
	require.Equal(t, "R1", b.Release)
	require.Equal(t, []string{"part1part2"}, f.bodies)
	require.Equal(t, []bool{true}, f.chunk)
}

func TestPostRetriedWhenTheConnectionWasRefused(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := l.Addr().String()
	require.NoError(t, l.Close()) // nothing listens there now: every dial is refused
	c, logs := directClient(t, "http://"+addr)
	_, err = c.BuildCreate(context.Background(), "myapp", BuildCreateOptions{URL: "object://x"})
	require.ErrorIs(t, err, ErrUnavailable)
	require.Contains(t, err.Error(), "could not reach the Rack API")
	require.Equal(t, 4, logs.count(`"message":"rack api"`), "a refused dial never reached the Rack: retried")
}

func TestShouldRetry(t *testing.T) {
	dial := &url.Error{Op: "Post", URL: "http://h/x?", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	reset := &url.Error{Op: "Post", URL: "http://h/x?", Err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}}
	cert := &url.Error{Op: "Get", URL: "https://h/x?", Err: x509.UnknownAuthorityError{}}
	resp := func(status int) *http.Response { return &http.Response{StatusCode: status} }
	tests := map[string]struct {
		class  retryClass
		method string
		resp   *http.Response
		err    error
		want   bool
	}{
		"GET dial error":             {retrySafe, "GET", nil, dial, true},
		"GET reset":                  {retrySafe, "GET", nil, reset, true},
		"GET TLS error":              {retrySafe, "GET", nil, cert, false},
		"GET 429":                    {retrySafe, "GET", resp(429), nil, true},
		"GET 500":                    {retrySafe, "GET", resp(500), nil, true},
		"GET 501":                    {retrySafe, "GET", resp(501), nil, false},
		"GET 502":                    {retrySafe, "GET", resp(502), nil, true},
		"GET 503":                    {retrySafe, "GET", resp(503), nil, true},
		"GET 504":                    {retrySafe, "GET", resp(504), nil, true},
		"GET 401":                    {retrySafe, "GET", resp(401), nil, false},
		"GET 403":                    {retrySafe, "GET", resp(403), nil, false},
		"GET 404":                    {retrySafe, "GET", resp(404), nil, false},
		"idempotent POST 500":        {retrySafe, "POST", resp(500), nil, false},
		"idempotent POST 503":        {retrySafe, "POST", resp(503), nil, true},
		"POST dial error":            {retryUnsent, "POST", nil, dial, true},
		"POST reset":                 {retryUnsent, "POST", nil, reset, false},
		"POST TLS error":             {retryUnsent, "POST", nil, cert, false},
		"POST 429":                   {retryUnsent, "POST", resp(429), nil, true},
		"POST 502":                   {retryUnsent, "POST", resp(502), nil, false},
		"POST 503":                   {retryUnsent, "POST", resp(503), nil, false},
		"upload-once dial error":     {retryDialOnly, "POST", nil, dial, true},
		"upload-once 429":            {retryDialOnly, "POST", resp(429), nil, false},
		"never dial error":           {retryNever, "GET", nil, dial, false},
		"never 503":                  {retryNever, "GET", resp(503), nil, false},
		"DNS failure before sending": {retryUnsent, "POST", nil, &url.Error{Op: "Post", URL: "x", Err: &net.OpError{Op: "dial", Err: &net.DNSError{Err: "no such host", Name: "h"}}}, true},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, shouldRetry(tc.class, tc.method, tc.resp, tc.err))
		})
	}
}

func TestBackoff(t *testing.T) {
	withRetryAfter := func(status int, v string) *http.Response {
		return &http.Response{StatusCode: status, Header: http.Header{"Retry-After": {v}}}
	}
	tests := map[string]struct {
		attempt int
		resp    *http.Response
		want    time.Duration
	}{
		"first retry waits min":        {0, nil, 10 * time.Millisecond},
		"doubles":                      {2, nil, 40 * time.Millisecond},
		"capped at max":                {10, nil, 100 * time.Millisecond},
		"429 Retry-After seconds":      {0, withRetryAfter(429, "1"), time.Second},
		"503 Retry-After seconds":      {3, withRetryAfter(503, "2"), 2 * time.Second},
		"Retry-After capped at 1m":     {0, withRetryAfter(429, "3600"), time.Minute},
		"Retry-After ignored on 502":   {0, withRetryAfter(502, "5"), 10 * time.Millisecond},
		"unparseable Retry-After":      {0, withRetryAfter(429, "soon"), 10 * time.Millisecond},
		"Retry-After in the past is 0": {0, withRetryAfter(503, "Fri, 31 Dec 1999 23:59:59 GMT"), 0},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, backoff(10*time.Millisecond, 100*time.Millisecond, tc.attempt, tc.resp))
		})
	}
}

func TestBuildExportRetriedBeforeTheFirstByteOnly(t *testing.T) {
	tests := map[string]struct {
		cutAfter int // bytes the first answer sends before the connection drops
		wantErr  bool
		attempts int
	}{
		"cut before the first byte: retried": {cutAfter: 0, attempts: 2},
		"cut after some bytes: not retried":  {cutAfter: 4, wantErr: true, attempts: 1},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			attempts := 0
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				attempts++
				n := attempts
				mu.Unlock()
				w.Header().Set("Content-Length", "12")
				w.Header().Set("Content-Type", "application/x-gzip")
				if n == 1 {
					w.WriteHeader(200)
					_, _ = io.WriteString(w, "artifact"[:tc.cutAfter])
					w.(http.Flusher).Flush()
					conn, _, _ := w.(http.Hijacker).Hijack()
					conn.Close()
					return
				}
				_, _ = io.WriteString(w, "artifact1234")
			}))
			t.Cleanup(srv.Close)
			c, _ := directClient(t, srv.URL)
			var out strings.Builder
			err := c.BuildExport(context.Background(), "myapp", "B1", &out)
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, tc.attempts, attempts)
			if tc.wantErr {
				require.ErrorIs(t, err, ErrUnavailable)
				require.Equal(t, "arti", out.String())
				return
			}
			require.NoError(t, err)
			require.Equal(t, "artifact1234", out.String())
		})
	}
}

func TestRetryStopsWhenTheContextEnds(t *testing.T) {
	f := &flaky{statuses: []int{503, 503, 503, 503}, header: http.Header{"Retry-After": {"30"}}}
	c := serveFlaky(t, f)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		for f.attempts() == 0 {
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	_, err := c.SystemGet(ctx)
	require.ErrorIs(t, err, context.Canceled)
	require.Equal(t, 1, f.attempts())
}

// localErr is a body failure of the caller's machine (as source.Error).
type localErr struct{}

func (localErr) Error() string    { return "reading secret/key.pem: permission denied" }
func (localErr) LocalError() bool { return true }

// failingBody gives some bytes, then the local error.
type failingBody struct{ sent bool }

func (b *failingBody) Read(p []byte) (int, error) {
	if !b.sent {
		b.sent = true
		return copy(p, "tarball-start"), nil
	}
	return 0, localErr{}
}

// A body that cannot be produced here is this machine's problem: reported
// as it is (path and reason), never as an unreachable Rack, never retried.
func TestLocalBodyErrorIsReportedAsLocalAndNotRetried(t *testing.T) {
	for name, open := range map[string]func() (io.Reader, error){
		"while streaming": func() (io.Reader, error) { return &failingBody{}, nil },
		"when opening":    func() (io.Reader, error) { return nil, localErr{} },
	} {
		t.Run(name, func(t *testing.T) {
			f := &flaky{ok: `{"Url":"object://myapp/tmp/src.tgz"}`}
			c := serveFlaky(t, f)
			opened := 0
			_, err := c.ObjectStore(context.Background(), "myapp", "tmp/src.tgz", func() (io.Reader, error) {
				opened++
				return open()
			})
			require.Error(t, err)
			require.ErrorIs(t, err, localErr{})
			require.Equal(t, 1, opened, "not retried")
			require.LessOrEqual(t, f.attempts(), 1)
			require.NotContains(t, err.Error(), "could not reach")
			require.Contains(t, err.Error(), "reading secret/key.pem: permission denied")
			require.False(t, errors.Is(err, ErrUnavailable))
		})
	}
}

// An import whose body never says anything (stdin from a silent pipe)
// still ends with its context: Go's transport waits for the body's Read.
func TestBuildImportFromASilentBodyEndsWithTheContext(t *testing.T) {
	arrived := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived <- struct{}{}
		_, _ = io.Copy(io.Discard, r.Body)
	}))
	defer srv.Close()
	c, _ := directClient(t, srv.URL)
	silent, w := io.Pipe()
	defer w.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.BuildImport(ctx, "myapp", silent)
		done <- err
	}()
	<-arrived // the request is out, its body being read
	cancel()
	select {
	case err := <-done:
		require.ErrorIs(t, err, context.Canceled)
	case <-time.After(20 * time.Second):
		t.Fatal("the import is still blocked on its body after the context ended")
	}
}
