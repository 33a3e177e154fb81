package rack

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

const testPassword = "s3cr3t"

// logBuffer collects a client's log lines; safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// count is how many log lines contain s.
func (l *logBuffer) count(s string) int {
	n := 0
	for _, line := range strings.Split(l.String(), "\n") {
		if strings.Contains(line, s) {
			n++
		}
	}
	return n
}

// testConfig is a direct RACK_URL config for base ("http://127.0.0.1:PORT")
// with fast retries and a debug logger writing into the returned buffer.
func testConfig(base string) (Config, *logBuffer) {
	logs := &logBuffer{}
	u := strings.Replace(base, "://", "://convox:"+testPassword+"@", 1)
	return Config{
		RackURL:      u,
		Logger:       zerolog.New(logs).Level(zerolog.DebugLevel),
		RetryMax:     3,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Version:      "1.2.3",
	}, logs
}

func newTestClient(t *testing.T, cfg Config) *Client {
	t.Helper()
	c, err := New(cfg)
	require.NoError(t, err)
	return c
}

// directClient is a client for a plain-HTTP test server.
func directClient(t *testing.T, base string) (*Client, *logBuffer) {
	t.Helper()
	cfg, logs := testConfig(base)
	return newTestClient(t, cfg), logs
}

// wsServer serves websockets on every path with fn; plain requests get 404.
func wsServer(t *testing.T, fn func(ctx context.Context, c *websocket.Conn, r *http.Request)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(wsHandler(t, fn))
	t.Cleanup(srv.Close)
	return srv
}

func wsHandler(t *testing.T, fn func(ctx context.Context, c *websocket.Conn, r *http.Request)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") == "" {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			t.Errorf("accept: %v", err)
			return
		}
		defer c.CloseNow()
		fn(r.Context(), c, r)
	}
}

// sendFrames writes text frames then the empty binary end frame, as the Rack does.
func sendFrames(ctx context.Context, c *websocket.Conn, texts ...string) {
	for _, s := range texts {
		if c.Write(ctx, websocket.MessageText, []byte(s)) != nil {
			return
		}
	}
	_ = c.Write(ctx, websocket.MessageBinary, nil)
}
