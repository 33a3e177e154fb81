package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRecorderCountsUploadAndHandsTheRackTheStandIn(t *testing.T) {
	standIn, err := standInSource()
	require.NoError(t, err)
	var got []byte
	rack := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var buf bytes.Buffer
		_, _ = buf.ReadFrom(r.Body)
		got = buf.Bytes()
	})
	rec := &recorder{next: rack, discard: true, standIn: standIn}
	body := append([]byte{0x1f, 0x8b}, bytes.Repeat([]byte("x"), 100000)...)
	w := httptest.NewRecorder()
	rec.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/apps/a/objects/tmp/k.tgz", bytes.NewReader(body)))
	require.Equal(t, http.StatusOK, w.Code)
	require.Equal(t, standIn, got)
	ev := rec.snapshot()
	require.Equal(t, int64(len(body)), ev.bytes)
	require.False(t, ev.uploadEnd.Before(ev.uploadStart))
}

func TestRecorderRefusesAnUploadThatIsNotGzip(t *testing.T) {
	rec := &recorder{next: http.NotFoundHandler(), discard: true}
	w := httptest.NewRecorder()
	rec.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/apps/a/objects/tmp/k.tgz", strings.NewReader("plain")))
	require.Equal(t, http.StatusBadRequest, w.Code)
}

func TestClientUploadReadsTheSourceUploadedEvent(t *testing.T) {
	out := "Packaging...\n{\"level\":\"info\",\"bytes\":825,\"duration\":0.25,\"message\":\"source uploaded\"}\n{\"message\":\"build started\"}\n"
	require.InDelta(t, 0.25, clientUpload([]byte(out)), 1e-9)
	require.Zero(t, clientUpload([]byte("no json here\n")))
}

func TestSummaryTakesMediansOverSuccessfulRuns(t *testing.T) {
	s := summary([]result{{Wall: 1, Overhead: 1, RSSKiB: 10}, {Wall: 3, Overhead: 3, RSSKiB: 30}, {Wall: 2, Overhead: 2, RSSKiB: 20}}, 1)
	require.Contains(t, s, "runs=3 fails=1 wall=2.000 ")
	require.Contains(t, s, " overhead=2.000 overhead_min=1.000 overhead_max=3.000 ")
	require.Contains(t, s, " rss_kib=20 rss_max_kib=30")
}
