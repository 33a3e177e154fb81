package pipeline

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/report"
)

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// On a terminal the status is a line redrawn in place and erased at the
// end; in a log it is a line every so often; with neither, nothing.
func TestTrackShowsTheStatusWhileThePhaseLasts(t *testing.T) {
	var term lockedBuffer
	st := &State{Progress: Progress{Live: report.NewLive(&term)}}
	stop := st.Track(func() string { return "uploading: 1.0 MB sent" })
	require.Eventually(t, func() bool { return strings.Contains(term.String(), "\r\x1b[Kuploading: 1.0 MB sent") }, 10*time.Second, time.Millisecond)
	stop()
	require.True(t, strings.HasSuffix(term.String(), "\r\x1b[K"), "the status line is erased: %q", term.String())

	var log lockedBuffer
	st = &State{Log: zerolog.New(&log), Progress: Progress{Every: time.Millisecond}}
	stop = st.Track(func() string { return "build B1 running: 3s" })
	require.Eventually(t, func() bool { return strings.Contains(log.String(), `"message":"build B1 running: 3s"`) }, 10*time.Second, time.Millisecond)
	stop()
	stop() // twice is fine

	st = &State{Log: zerolog.New(&log)}
	require.NotPanics(t, st.Track(func() string { panic("never asked") }))
}

// A status line carries states the Rack sent (a build's or an app's
// status): on a terminal it is redacted as the log is, so a server that
// echoes the key back into a status never shows it.
func TestTrackRedactsTheTerminalStatusLine(t *testing.T) {
	const key = "rack-api-key-0123"
	secrets := report.NewSecrets()
	secrets.Add(key)
	var term lockedBuffer
	st := &State{Secrets: secrets, Progress: Progress{Live: report.NewLive(&term)}}
	stop := st.Track(func() string { return "build B1 " + key + ": 3s" })
	require.Eventually(t, func() bool { return strings.Contains(term.String(), "build B1 ") }, 10*time.Second, time.Millisecond)
	stop()
	require.NotContains(t, term.String(), key)
	require.Contains(t, term.String(), "build B1 [REDACTED]: 3s")
}
