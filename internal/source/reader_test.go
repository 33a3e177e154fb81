package source

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// waitDone fails the test if the packaging goroutine never ends; the wait is
// a hang guard, not a timing assertion.
func waitDone(t *testing.T, s *Stream) {
	t.Helper()
	select {
	case <-s.Done():
	case <-time.After(30 * time.Second):
		t.Fatal("packaging goroutine did not stop")
	}
}

func TestPackageIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, append(bigTree(t, 30, 100<<10), contextTree...))

	run := func(concurrency int) []byte {
		var buf bytes.Buffer
		// Small blocks so the stream spans many pgzip blocks.
		stats, err := Package(t.Context(), Options{Dir: dir, Concurrency: concurrency, BlockSize: 64 << 10}, &buf)
		require.NoError(t, err)
		require.Greater(t, stats.Bytes, int64(20*(64<<10)), "input spans many blocks")
		return buf.Bytes()
	}
	first := run(4)
	require.Equal(t, first, run(4), "same tree, same bytes")
	require.Equal(t, first, run(1), "concurrency does not change the bytes")
}

func TestReaderRegeneratesSameBytes(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, append(bigTree(t, 10, 50<<10), contextTree...))
	opts := Options{Dir: dir, BlockSize: 64 << 10}

	var want bytes.Buffer
	wantStats, err := Package(t.Context(), opts, &want)
	require.NoError(t, err)

	body := Reader(t.Context(), opts)
	for attempt := range 2 {
		rc, err := body()
		require.NoError(t, err)
		got, err := io.ReadAll(rc)
		require.NoError(t, err)
		require.NoError(t, rc.Close())
		require.Equal(t, want.Bytes(), got, "attempt %d", attempt)

		stats, err := rc.(*Stream).Stats()
		require.NoError(t, err)
		require.Equal(t, wantStats, stats)
	}
}

func TestReaderPreparationErrorsAtCall(t *testing.T) {
	body := Reader(t.Context(), Options{Dir: filepath.Join(t.TempDir(), "missing")})
	rc, err := body()
	require.ErrorContains(t, err, "no such file or directory")
	require.Nil(t, rc)
}

func TestReaderCancelStopsGoroutine(t *testing.T) {
	dir := t.TempDir()
	// Far more than the pipe and pgzip hold, so the goroutine must block.
	makeTree(t, dir, bigTree(t, 40, 256<<10))
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()

	rc, err := Reader(ctx, Options{Dir: dir, BlockSize: 64 << 10, Concurrency: 2})()
	require.NoError(t, err)
	s := rc.(*Stream)
	_, err = io.ReadFull(rc, make([]byte, 10))
	require.NoError(t, err)

	cancel()
	waitDone(t, s)

	_, err = io.ReadAll(rc)
	require.ErrorIs(t, err, context.Canceled, "the cancellation reaches the reader")
	_, err = s.Stats()
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, rc.Close())
}

func TestReaderCloseStopsGoroutine(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, bigTree(t, 40, 256<<10))

	rc, err := Reader(t.Context(), Options{Dir: dir, BlockSize: 64 << 10, Concurrency: 2})()
	require.NoError(t, err)
	s := rc.(*Stream)
	_, err = io.ReadFull(rc, make([]byte, 10))
	require.NoError(t, err)

	require.NoError(t, rc.Close())
	select {
	case <-s.Done():
	default:
		t.Fatal("Close returned before the packaging goroutine ended")
	}
	_, err = s.Stats()
	require.Error(t, err, "the run was cut short")
	require.NoError(t, rc.Close(), "a second Close is harmless")
}

func TestReaderPackagingErrorReachesReader(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	makeTree(t, dir, []node{{Name: "a", Body: "a"}, {Name: "z/locked", Body: "x", Mode: 0o200}})

	rc, err := Reader(t.Context(), Options{Dir: dir})()
	require.NoError(t, err)
	defer rc.Close()
	_, err = io.ReadAll(rc)
	require.EqualError(t, err, "reading z/locked: permission denied")
}

func TestReaderProbeThenCloseStartsNothing(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, contextTree)
	body := Reader(t.Context(), Options{Dir: dir})

	// retryablehttp opens the body once to probe its length, then closes it.
	rc, err := body()
	require.NoError(t, err)
	s := rc.(*Stream)
	_, err = s.Stats()
	require.ErrorIs(t, err, errNotRead, "not started before the first Read")
	require.NoError(t, rc.Close())
	select {
	case <-s.Done():
	default:
		t.Fatal("a stream closed unread is not done")
	}
	_, err = rc.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.ErrClosedPipe)

	// The next body is a full stream.
	rc, err = body()
	require.NoError(t, err)
	data, err := io.ReadAll(rc)
	require.NoError(t, err)
	require.NoError(t, rc.Close())
	require.Equal(t, contextWant, untar(t, data))
}
