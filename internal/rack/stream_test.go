package rack

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

const marker = ExitMarker

func TestProcessExecFrames(t *testing.T) {
	tests := map[string]struct {
		frames   []string // server text frames, then the end frame unless cut
		cut      bool     // drop the connection instead of the end frame
		wantOut  string
		wantCode int
		wantErr  string // substring; "" for none
		wantKind *Kind
	}{
		"exit 3":                             {frames: []string{"migrating\n", "error\n", marker + "3\n"}, wantOut: "migrating\nerror\n", wantCode: 3},
		"exit 0":                             {frames: []string{"ok\n", marker + "0\n"}, wantOut: "ok\n", wantCode: 0},
		"marker shares the frame":            {frames: []string{"last line\n" + marker + "7\n"}, wantOut: "last line\n", wantCode: 7},
		"marker split across frames":         {frames: []string{"abc" + marker[:10], marker[10:] + "5\n"}, wantOut: "abc", wantCode: 5},
		"a lone F is output":                 {frames: []string{"F", "oo\n", marker + "0\n"}, wantOut: "Foo\n", wantCode: 0},
		"command prints ERROR: mid-output":   {frames: []string{"starting\n", "ERROR: migration 2 failed\n", marker + "1\n"}, wantOut: "starting\nERROR: migration 2 failed\n", wantCode: 1},
		"exit status never arrives":          {frames: []string{"hello\n"}, wantOut: "hello\n", wantCode: -1, wantErr: "the process exit status never arrived"},
		"stream cut before the exit status":  {frames: []string{"hello\n"}, cut: true, wantOut: "hello\n", wantCode: -1, wantErr: "the process exit status never arrived"},
		"stream cut after the exit status":   {frames: []string{"bye\n", marker + "2\n"}, cut: true, wantOut: "bye\n", wantCode: 2},
		"unreadable exit status":             {frames: []string{marker + "x\n"}, wantCode: -1, wantErr: "unable to read the exit status"},
		"ERROR: first is a refusal":          {frames: []string{"ERROR: process exec requires write access\n"}, wantCode: -1, wantErr: "process exec requires write access", wantKind: ptr(Forbidden)},
		"ERROR: after the marker is failure": {frames: []string{marker + "1\n", "ERROR: exec failed: boom\n"}, wantCode: 1, wantErr: "exec failed: boom", wantKind: ptr(Other)},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			srv := wsServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
				for _, f := range tc.frames {
					_ = c.Write(ctx, websocket.MessageText, []byte(f))
				}
				if tc.cut {
					return // the handler's CloseNow drops the connection with no end frame
				}
				_ = c.Write(ctx, websocket.MessageBinary, nil)
				_, _, _ = c.Read(ctx) // stay open like the Rack until the client goes
			})
			c, _ := directClient(t, srv.URL)
			var out bytes.Buffer
			code, err := c.ProcessExec(context.Background(), "myapp", "web-1", "bin/migrate", ExecOptions{Entrypoint: true}, nil, &out)
			require.Equal(t, tc.wantOut, out.String())
			require.Equal(t, tc.wantCode, code)
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.wantErr)
			if tc.wantKind != nil {
				var e *Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, *tc.wantKind, e.Kind)
				require.NotContains(t, out.String(), "ERROR:")
			} else {
				var se *StreamError
				require.ErrorAs(t, err, &se)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestProcessExecSendsStdinThenEOF(t *testing.T) {
	var mu sync.Mutex
	var got []string
	var header http.Header
	srv := wsServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		mu.Lock()
		header = r.Header.Clone()
		mu.Unlock()
		for {
			typ, p, err := c.Read(ctx)
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, typ.String()+":"+string(p))
			mu.Unlock()
			if typ == websocket.MessageBinary && len(p) == 0 {
				break
			}
		}
		sendFrames(ctx, c, "read 2 lines\n", marker+"0\n")
		_, _, _ = c.Read(ctx)
	})
	c, _ := directClient(t, srv.URL)
	var out bytes.Buffer
	code, err := c.ProcessExec(context.Background(), "myapp", "web-1", "cat", ExecOptions{Tty: true}, strings.NewReader("yes\nno\n"), &out)
	require.NoError(t, err)
	require.Equal(t, 0, code)
	require.Equal(t, "read 2 lines\n", out.String())
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"MessageText:yes\nno\n", "MessageBinary:"}, got)
	require.Equal(t, "cat", header.Get("Command"))
	require.Equal(t, "true", header.Get("Tty"))
	require.Empty(t, header.Values("Entrypoint"), "Entrypoint only when asked for")
}

func TestLogStreams(t *testing.T) {
	tests := map[string]struct {
		logs       bool // AppLogs (else BuildLogs)
		opts       LogsOptions
		frames     []string
		wantPath   string
		wantHeader map[string]string // "" value: must be absent
		wantOut    string
		wantKind   *Kind
	}{
		"app logs, defaults": {
			logs: true, frames: []string{"[pod/web-1/myapp] a\n", "[pod/web-1/myapp] b\n"},
			wantPath:   "/apps/myapp/logs",
			wantHeader: map[string]string{"Prefix": "true", "Follow": "false", "Since": "", "Filter": "", "Tail": ""},
			wantOut:    "[pod/web-1/myapp] a\n[pod/web-1/myapp] b\n",
		},
		"service logs, all options": {
			logs: true, opts: LogsOptions{Service: "web", Filter: "GET", Follow: true, Since: 10 * time.Minute, Tail: 50},
			wantPath:   "/apps/myapp/services/web/logs",
			wantHeader: map[string]string{"Prefix": "true", "Follow": "", "Since": "10m0s", "Filter": "GET", "Tail": "50"},
		},
		"app logs ERROR: frame": {
			logs: true, frames: []string{"ERROR: invalid authentication\n"},
			wantPath: "/apps/myapp/logs", wantKind: ptr(Unauthorized),
		},
		"build logs": {
			frames:     []string{"Step 1/2\n", "Build complete\n"},
			wantPath:   "/apps/myapp/builds/B1/logs",
			wantHeader: map[string]string{"Prefix": "", "Follow": ""},
			wantOut:    "Step 1/2\nBuild complete\n",
		},
		"build logs refused": {
			frames:   []string{"ERROR: you are unauthorized to access this\n"},
			wantPath: "/apps/myapp/builds/B1/logs", wantKind: ptr(Forbidden),
		},
		"a failed build's own ERROR line is log": {
			frames:   []string{"Step 1/2\n", "ERROR: build failed: exit status 1\n"},
			wantPath: "/apps/myapp/builds/B1/logs",
			wantOut:  "Step 1/2\nERROR: build failed: exit status 1\n",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var mu sync.Mutex
			var req *http.Request
			srv := wsServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
				mu.Lock()
				req = r.Clone(context.Background())
				mu.Unlock()
				sendFrames(ctx, c, tc.frames...)
				_, _, _ = c.Read(ctx)
			})
			c, _ := directClient(t, srv.URL)
			var out bytes.Buffer
			var err error
			if tc.logs {
				err = c.AppLogs(context.Background(), "myapp", tc.opts, &out)
			} else {
				err = c.BuildLogs(context.Background(), "myapp", "B1", &out)
			}
			if tc.wantKind != nil {
				var e *Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, *tc.wantKind, e.Kind)
				require.Equal(t, 0, e.Status)
				require.Empty(t, out.String(), "nothing of the ERROR: frame is written")
			} else {
				require.NoError(t, err)
				require.Equal(t, tc.wantOut, out.String())
			}
			mu.Lock()
			defer mu.Unlock()
			require.Equal(t, tc.wantPath, req.URL.Path)
			require.Empty(t, req.URL.RawQuery)
			for k, v := range tc.wantHeader {
				if v == "" {
					require.Empty(t, req.Header.Values(k), k)
				} else {
					require.Equal(t, v, req.Header.Get(k), k)
				}
			}
			require.Empty(t, req.Header.Values("Accept"))
			require.Empty(t, req.Header.Values("Content-Type"))
			require.Empty(t, req.Header.Values("Accept-Encoding"))
		})
	}
}

func TestLogStreamEndsOnNormalClose(t *testing.T) {
	srv := wsServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		_ = c.Write(ctx, websocket.MessageText, []byte("one\n"))
		_ = c.Close(websocket.StatusNormalClosure, "")
	})
	c, _ := directClient(t, srv.URL)
	var out bytes.Buffer
	require.NoError(t, c.AppLogs(context.Background(), "myapp", LogsOptions{}, &out))
	require.Equal(t, "one\n", out.String())
}

func TestLogStreamCut(t *testing.T) {
	srv := wsServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		_ = c.Write(ctx, websocket.MessageText, []byte("one\n"))
	})
	c, _ := directClient(t, srv.URL)
	var out bytes.Buffer
	err := c.BuildLogs(context.Background(), "myapp", "B1", &out)
	var se *StreamError
	require.ErrorAs(t, err, &se)
	require.Equal(t, "one\n", out.String())
}

func TestStreamRefusedUpgrade(t *testing.T) {
	// a proxy that refuses the upgrade
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadGateway)
		_, _ = w.Write([]byte("upstream unavailable\n"))
	}))
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	err := c.AppLogs(context.Background(), "myapp", LogsOptions{}, &bytes.Buffer{})
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusBadGateway, e.Status)
	require.Equal(t, Unavailable, e.Kind)
	require.Contains(t, e.Message, "upstream unavailable")
}

func TestStreamStopsWithTheContext(t *testing.T) {
	srv := wsServer(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		_ = c.Write(ctx, websocket.MessageText, []byte("one\n"))
		_, _, _ = c.Read(ctx) // never ends the stream
	})
	c, _ := directClient(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	w := &notifyWriter{wrote: make(chan struct{}, 1)}
	go func() {
		<-w.wrote
		cancel()
	}()
	err := c.AppLogs(ctx, "myapp", LogsOptions{Follow: true}, w)
	require.ErrorIs(t, err, context.Canceled)
}

type notifyWriter struct{ wrote chan struct{} }

func (n *notifyWriter) Write(p []byte) (int, error) {
	select {
	case n.wrote <- struct{}{}:
	default:
	}
	return len(p), nil
}

func TestPartialSuffix(t *testing.T) {
	m := []byte(marker)
	require.Equal(t, 0, partialSuffix([]byte("abc\n"), m))
	require.Equal(t, 1, partialSuffix([]byte("abcF"), m))
	require.Equal(t, 5, partialSuffix([]byte("xF1E49"), m))
	require.Equal(t, len(m)-1, partialSuffix(m[:len(m)-1], m))
	require.Equal(t, 0, partialSuffix(nil, m))
}

func TestExecHandshakeRetriedOnlyWhenRefused(t *testing.T) {
	for name, tc := range map[string]struct {
		status   int
		attempts int
	}{
		"429 is retried":               {http.StatusTooManyRequests, 3},
		"503 is retried":               {http.StatusServiceUnavailable, 3},
		"502 is not (it may have run)": {http.StatusBadGateway, 1},
	} {
		t.Run(name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) < 3 {
					w.Header().Set("Retry-After", "0")
					http.Error(w, "busy", tc.status)
					return
				}
				conn, err := websocket.Accept(w, r, nil)
				if err != nil {
					return
				}
				conn.Write(r.Context(), websocket.MessageText, []byte(ExitMarker+"0\n"))
				conn.Write(r.Context(), websocket.MessageBinary, nil)
			}))
			defer srv.Close()
			c, err := New(Config{Host: srv.URL, Password: "pw-123456", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
			require.NoError(t, err)
			code, err := c.ProcessExec(context.Background(), "app", "pid", "bin/migrate", ExecOptions{}, nil, io.Discard)
			require.Equal(t, tc.attempts, int(n.Load()))
			if tc.attempts == 1 {
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			require.Equal(t, 0, code)
		})
	}
}

// TestExecHandshakeNeverResentByTheTransport: after a 429 the next exec
// handshake must not go over the kept-alive connection, where Go's
// transport re-sends a bodiless GET by itself when the connection drops
// before the answer. The server starts the command on every handshake it
// reads and then drops the connection: the command must start once, and
// each connection must carry one handshake.
func TestExecHandshakeNeverResentByTheTransport(t *testing.T) {
	var (
		mu       sync.Mutex
		perConn  = map[string]int{}
		requests int
		starts   int
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		requests++
		first := requests == 1
		perConn[r.RemoteAddr]++
		if !first {
			starts++ // the Rack runs the command, then the connection drops
		}
		mu.Unlock()
		if first {
			w.Header().Set("Retry-After", "0")
			http.Error(w, "Too Many Requests", http.StatusTooManyRequests)
			return
		}
		hj, ok := w.(http.Hijacker)
		require.True(t, ok)
		conn, _, err := hj.Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	defer srv.Close()
	c, err := New(Config{Host: srv.URL, Password: "pw-123456", RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	require.NoError(t, err)
	_, err = c.ProcessExec(context.Background(), "app", "pid", "bin/migrate", ExecOptions{}, nil, io.Discard)
	require.Error(t, err, "the handshake's answer was lost")
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, 1, starts, "the exec handshake reached the Rack %d times after the 429", starts)
	for addr, n := range perConn {
		require.Equal(t, 1, n, "connection %s carried %d handshakes", addr, n)
	}
}
