package rack

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// resetAfterReading reads each request whole, then drops the connection
// without an answer (an RST where the OS allows it).
func resetAfterReading(count *atomic.Int32) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			return
		}
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.SetLinger(0)
		}
		_ = conn.Close()
	}
}

// cutAnswer promises a JSON body and closes the connection half way.
func cutAnswer(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", "100")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, `{"id":"B`)
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

func TestAmbiguousFailures(t *testing.T) {
	type callFn func(context.Context, *Client) error
	buildCreate := func(ctx context.Context, c *Client) error {
		_, err := c.BuildCreate(ctx, "myapp", BuildCreateOptions{URL: "object://myapp/tmp/x.tgz"})
		return err
	}
	promote := func(ctx context.Context, c *Client) error {
		return c.ReleasePromote(ctx, "myapp", "R1", PromoteOptions{})
	}
	releaseCreate := func(ctx context.Context, c *Client) error {
		env := "A=1"
		_, err := c.ReleaseCreate(ctx, "myapp", ReleaseCreateOptions{Env: &env})
		return err
	}
	processStart := func(ctx context.Context, c *Client) error {
		_, err := c.ProcessStart(ctx, "myapp", "web", ProcessRunOptions{Command: "sleep 10"})
		return err
	}
	appGet := func(ctx context.Context, c *Client) error {
		_, err := c.AppGet(ctx, "myapp")
		return err
	}
	status := func(code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.Copy(io.Discard, r.Body)
			http.Error(w, http.StatusText(code), code)
		}
	}
	var resets atomic.Int32
	cases := []struct {
		name      string
		handler   http.Handler
		call      callFn
		ambiguous bool
		attempts  int32 // for the reset handler: how many requests arrived
	}{
		{name: "build create reset after sending", handler: resetAfterReading(&resets), call: buildCreate, ambiguous: true, attempts: 1},
		{name: "promote reset after sending", handler: resetAfterReading(&resets), call: promote, ambiguous: true, attempts: 1},
		{name: "release create reset after sending", handler: resetAfterReading(&resets), call: releaseCreate, ambiguous: true, attempts: 1},
		{name: "process start reset after sending", handler: resetAfterReading(&resets), call: processStart, ambiguous: true, attempts: 1},
		{name: "build create 502", handler: status(http.StatusBadGateway), call: buildCreate, ambiguous: true},
		{name: "promote 503", handler: status(http.StatusServiceUnavailable), call: promote, ambiguous: true},
		{name: "release create 504", handler: status(http.StatusGatewayTimeout), call: releaseCreate, ambiguous: true},
		{name: "build create answer cut", handler: http.HandlerFunc(cutAnswer), call: buildCreate, ambiguous: true},
		{name: "build create 429 until giving up", handler: status(http.StatusTooManyRequests), call: buildCreate},
		{name: "build create 400", handler: status(http.StatusBadRequest), call: buildCreate},
		{name: "build create 500 from the Rack", handler: status(http.StatusInternalServerError), call: buildCreate},
		{name: "a read is never ambiguous", handler: status(http.StatusBadGateway), call: appGet},
		{name: "a reset read is never ambiguous", handler: resetAfterReading(&resets), call: appGet, attempts: 4},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resets.Store(0)
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			c, _ := directClient(t, srv.URL)
			err := tc.call(context.Background(), c)
			require.Error(t, err)
			require.Equal(t, tc.ambiguous, errors.Is(err, ErrAmbiguous), "%v", err)
			var e *Error
			require.True(t, errors.As(err, &e))
			require.Equal(t, tc.ambiguous, e.Ambiguous)
			if tc.ambiguous {
				require.ErrorIs(t, err, ErrUnavailable, "an ambiguous failure is still an unavailable Rack")
				require.Contains(t, err.Error(), "may or may not have carried it out")
			}
			if tc.attempts > 0 {
				require.Equal(t, tc.attempts, resets.Load(), "requests that reached the server")
			}
		})
	}
}

func TestRefusedConnectionIsNotAmbiguous(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	c, _ := directClient(t, "http://"+addr)
	_, err = c.BuildCreate(context.Background(), "myapp", BuildCreateOptions{URL: "object://myapp/tmp/x.tgz"})
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrAmbiguous), "%v", err)
	require.False(t, strings.Contains(err.Error(), "may or may not"))
}
