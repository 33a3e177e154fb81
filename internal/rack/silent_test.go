package rack

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// silentServer reads each request whole and counts it; the requests for
// which silent(n) holds (n counts from 1) get no answer at all: the
// connection stays open until the client gives up, as behind a gateway that
// forwarded the request and went quiet. The others get answer.
func silentServer(t *testing.T, count *atomic.Int32, silent func(n int32) bool, answer string) *httptest.Server {
	t.Helper()
	done := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if silent(count.Add(1)) {
			select {
			case <-r.Context().Done():
			case <-done:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(done) })
	return srv
}

// silentClient is a direct client whose plain calls wait 50ms for an answer.
func silentClient(t *testing.T, base string) *Client {
	t.Helper()
	cfg, _ := testConfig(base)
	cfg.AnswerTimeout = 50 * time.Millisecond
	return newTestClient(t, cfg)
}

func TestSilentAnswerToAReadIsRetried(t *testing.T) {
	var count atomic.Int32
	srv := silentServer(t, &count, func(n int32) bool { return n == 1 }, `{"name":"myapp","status":"running"}`)
	a, err := silentClient(t, srv.URL).AppGet(context.Background(), "myapp")
	require.NoError(t, err)
	require.Equal(t, "running", a.Status)
	require.Equal(t, int32(2), count.Load(), "requests that reached the server: the silent one, then the answered one")
}

func TestSilentAnswerToTheSourceUploadIsRetried(t *testing.T) {
	var count atomic.Int32
	srv := silentServer(t, &count, func(n int32) bool { return n == 1 }, `{"url":"object://myapp/tmp/src.tgz"}`)
	body := func() (io.Reader, error) { return strings.NewReader("source"), nil }
	o, err := silentClient(t, srv.URL).ObjectStore(context.Background(), "myapp", "tmp/src.tgz", body)
	require.NoError(t, err)
	require.Equal(t, "object://myapp/tmp/src.tgz", o.URL)
	require.Equal(t, int32(2), count.Load(), "requests that reached the server")
}

func TestSilentAnswerToACreationIsAmbiguousAndNotResent(t *testing.T) {
	creations := map[string]func(context.Context, *Client) error{
		"build create": func(ctx context.Context, c *Client) error {
			_, err := c.BuildCreate(ctx, "myapp", BuildCreateOptions{URL: "object://myapp/tmp/x.tgz"})
			return err
		},
		"release create": func(ctx context.Context, c *Client) error {
			env := "A=1"
			_, err := c.ReleaseCreate(ctx, "myapp", ReleaseCreateOptions{Env: &env})
			return err
		},
		"promote": func(ctx context.Context, c *Client) error {
			return c.ReleasePromote(ctx, "myapp", "R1", PromoteOptions{})
		},
		"process start": func(ctx context.Context, c *Client) error {
			_, err := c.ProcessStart(ctx, "myapp", "web", ProcessRunOptions{Command: "bin/migrate"})
			return err
		},
	}
	for name, create := range creations {
		t.Run(name, func(t *testing.T) {
			var count atomic.Int32
			srv := silentServer(t, &count, func(int32) bool { return true }, "")
			err := create(context.Background(), silentClient(t, srv.URL))
			require.Error(t, err)
			require.True(t, errors.Is(err, ErrAmbiguous), "a creation whose answer never came may have been carried out: %v", err)
			require.False(t, errors.Is(err, context.DeadlineExceeded), "the run's deadline did not pass: %v", err)
			require.Equal(t, int32(1), count.Load(), "the creation reached the server once and was not sent again")
		})
	}
}

func TestBuildImportWaitsForItsAnswer(t *testing.T) {
	// A real Rack copies the images to its registry before answering an
	// import: the answer timeout must not cut it.
	var count atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		time.Sleep(500 * time.Millisecond) // ten answer timeouts
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"BIMPORTED","status":"complete"}`)
	}))
	t.Cleanup(srv.Close)
	b, err := silentClient(t, srv.URL).BuildImport(context.Background(), "myapp", strings.NewReader("artifact"))
	require.NoError(t, err)
	require.Equal(t, "BIMPORTED", b.ID)
	require.Equal(t, int32(1), count.Load())
}
