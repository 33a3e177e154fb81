package racksim

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

func TestLoggerWritesOneLinePerRequestWithoutSecrets(t *testing.T) {
	sink := &syncWriter{w: &bytes.Buffer{}}
	h := newHarness(t, Options{Apps: []string{"myapp"}, Logger: zerolog.New(sink).Level(zerolog.DebugLevel)})
	h.get("/system")
	h.do(req{method: "POST", path: "/apps/myapp/releases", form: map[string][]string{"env": {"SECRET=hunter2"}}})
	require.Eventually(t, func() bool { return strings.Count(sink.String(), "\n") == 2 }, 5*time.Second, time.Millisecond)
	out := sink.String()
	require.Contains(t, out, `"path":"/system"`)
	require.Contains(t, out, `"status":200`)
	require.NotContains(t, out, testPassword)
	require.NotContains(t, out, basic("convox", testPassword))
	require.NotContains(t, out, "hunter2")
}

// syncWriter serialises writes from handler goroutines.
type syncWriter struct {
	mu sync.Mutex
	w  *bytes.Buffer
}

func (s *syncWriter) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.String()
}

func (s *syncWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}

func TestCloseEndsStreamsAndBackgroundWork(t *testing.T) {
	sim := New(Options{Password: testPassword, Apps: []string{"myapp"}, BuildDuration: time.Hour, FollowLimit: time.Hour})
	srv := httptest.NewServer(sim)
	defer srv.Close()
	h := &harness{t: t, sim: sim, srv: srv}
	h.startBuild("myapp", appSource(t, "FROM scratch\n"), nil)

	hdr := http.Header{"Authorization": {"Basic " + basic("convox", testPassword)}}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/apps/myapp/logs", &websocket.DialOptions{HTTPHeader: hdr})
	require.NoError(t, err)
	defer conn.CloseNow()
	_, _, err = conn.Read(ctx) // the seeded log line; the stream then follows
	require.NoError(t, err)

	closed := make(chan struct{})
	go func() { sim.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	_, _, err = conn.Read(ctx)
	require.Error(t, err, "the followed stream is closed with the server")
}
