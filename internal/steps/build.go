package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/report"
	"github.com/convox-ci/convox-ci/internal/source"
)

// Build packages a directory, uploads it, builds it on the Rack and waits
// for the build; it leaves the build and its release in the state.
type Build struct {
	Dir         string
	Description string // default: the state's description
	Manifest    string // path of convox.yml inside the context, "" for the Rack's default
	Development bool
	NoCache     bool
	BuildArgs   []string
}

// String names the step, with the build options given (build args by
// name: their values may be secret).
func (b Build) String() string {
	var opts []string
	if b.Manifest != "" {
		opts = append(opts, "manifest "+b.Manifest)
	}
	if b.Development {
		opts = append(opts, "development")
	}
	if b.NoCache {
		opts = append(opts, "no cache")
	}
	if len(b.BuildArgs) > 0 {
		names := make([]string, len(b.BuildArgs))
		for i, a := range b.BuildArgs {
			names[i], _, _ = strings.Cut(a, "=")
		}
		opts = append(opts, "build args "+strings.Join(names, ", "))
	}
	if len(opts) == 0 {
		return "building"
	}
	return "building (" + strings.Join(opts, "; ") + ")"
}

// Run packages, uploads, creates the build and waits for it.
func (b Build) Run(ctx context.Context, st *pipeline.State) error {
	key, err := tempKey()
	if err != nil {
		return err
	}
	start := time.Now()
	var packaged source.Counter
	// The manifest and its Dockerfiles go whatever .dockerignore says, as
	// docker build always sends its Dockerfile.
	body := newRegenerator(source.Reader(ctx, source.Options{Dir: b.Dir, Counter: &packaged, Keep: source.RackFiles(b.Dir, b.Manifest)}))
	defer body.Close()
	stop := st.Track(func() string {
		took := time.Since(start)
		sent := body.Bytes()
		return fmt.Sprintf("packaging and uploading: %d files, %s read, %s sent, %s/s, %s",
			packaged.Files.Load(), report.Size(packaged.Bytes.Load()), report.Size(sent), report.Size(int64(float64(sent)/max(took.Seconds(), 0.001))), report.Elapsed(took))
	})
	obj, err := st.Rack.ObjectStore(ctx, st.App, key, body.Next)
	stop()
	var local *source.Error
	if errors.As(err, &local) {
		return fmt.Errorf("packaging the source in %s: %w (a problem on this machine, not the Rack's)", b.Dir, local)
	}
	if err != nil {
		return fmt.Errorf("uploading source: %w", err)
	}
	st.Log.Info().Str("dir", b.Dir).Int64("bytes", body.Bytes()).Dur("duration_ms", time.Since(start)).Msg("source uploaded")

	desc := b.Description
	if desc == "" {
		desc = st.Description
	}
	creating := time.Now()
	stop = st.Track(func() string { return "creating the build: " + report.Elapsed(time.Since(creating)) })
	build, err := createBuild(ctx, st, rack.BuildCreateOptions{
		URL:         obj.URL,
		Description: desc,
		GitSha:      st.Commit,
		Manifest:    b.Manifest,
		Development: b.Development,
		NoCache:     b.NoCache,
		BuildArgs:   b.BuildArgs,
	})
	stop()
	if err != nil {
		return fmt.Errorf("creating build: %w", err)
	}
	st.BuildID = build.ID
	st.Log.Info().Str("build", build.ID).Msg("build started")

	done, err := WaitBuild(ctx, st, build.ID)
	if err != nil {
		return err
	}
	st.ReleaseID = done.Release
	st.Log.Info().Str("build", done.ID).Str("release", done.Release).Msg("build complete")
	return nil
}

// WaitBuild streams the build's log lines into the log and returns when the
// Rack reports the build complete. The end of the log stream triggers an
// immediate status check; otherwise status is polled at growing intervals.
// A lost log stream is a warning: the status decides.
func WaitBuild(ctx context.Context, st *pipeline.State, id string) (*rack.Build, error) {
	logCtx, stopLogs := context.WithCancel(ctx)
	defer stopLogs()
	defer st.Fold("build " + id + " log")()
	var cause failureCause
	logsDone := make(chan error, 1)
	go func() {
		lines := report.LineWriter(st.Secrets, func(line string) {
			cause.line(line)
			st.Log.Info().Str("build", id).Str("stream", "build").Msg(line)
		})
		err := st.Rack.BuildLogs(logCtx, st.App, id, lines)
		lines.Flush()
		cause.streamError(err)
		logsDone <- err
	}()

	logs := logsDone
	interval := st.Poll.Min
	var state atomic.Value
	state.Store("created")
	started := time.Now()
	defer st.Track(func() string {
		return fmt.Sprintf("build %s %s: %s", id, state.Load(), report.Elapsed(time.Since(started)))
	})()
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for build %s: %w", id, ctx.Err())
		case err := <-logs:
			logs = nil
			if err != nil && ctx.Err() == nil {
				st.Log.Warn().Str("build", id).Err(err).Msg("build log stream ended early; waiting on the build's status")
			}
		case <-time.After(interval):
			interval = st.Poll.Next(interval)
		}
		b, err := st.Rack.BuildGet(ctx, st.App, id)
		if err != nil {
			return nil, fmt.Errorf("checking build %s: %w", id, err)
		}
		if b.Status != "" {
			state.Store(b.Status)
		}
		switch b.Status {
		case rack.BuildComplete:
			drainLogs(logs, stopLogs)
			if b.Release == "" {
				return nil, fmt.Errorf("build %s is complete but the Rack reported no release", id)
			}
			return b, nil
		case rack.BuildFailed:
			drainLogs(logs, stopLogs)
			reason := b.Reason
			if reason == "" {
				reason = cause.get()
			}
			return nil, &BuildFailedError{Build: id, Reason: reason}
		case rack.BuildCreated, rack.BuildRunning, "":
		default:
			return nil, fmt.Errorf("build %s has an unexpected status %q", id, b.Status)
		}
	}
}

// failureCause keeps the cause a failed build wrote into its log. The real
// build runner never sets the build's reason: it writes "ERROR: <cause>" into
// the log (pkg/build fail()) and marks the build failed. When that line is
// the stream's first frame (a missing or broken convox.yml), the client
// reports it as the stream's error rather than as text, so both are kept.
type failureCause struct {
	mu    sync.Mutex
	last  string // the last "ERROR: " line of the log, without the prefix
	frame string // an ERROR: frame the stream ended with
}

func (f *failureCause) line(line string) {
	if rest, ok := strings.CutPrefix(strings.TrimSpace(line), "ERROR: "); ok && strings.TrimSpace(rest) != "" {
		f.mu.Lock()
		f.last = strings.TrimSpace(rest)
		f.mu.Unlock()
	}
}

func (f *failureCause) streamError(err error) {
	var e *rack.Error
	if errors.As(err, &e) && e.Status == 0 && e.Err == nil && e.Message != "" {
		f.mu.Lock()
		f.frame = e.Message
		f.mu.Unlock()
	}
}

// get is the last ERROR: line, else the stream's ERROR: frame.
func (f *failureCause) get() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.last != "" {
		return f.last
	}
	return f.frame
}

// drainLogs gives the log stream a moment to deliver its last lines once the
// build has ended, then stops it.
func drainLogs(logs <-chan error, stop context.CancelFunc) {
	if logs != nil {
		select {
		case <-logs: //nolint:errcheck // a lost log stream never fails a build: its status decides
		case <-time.After(2 * time.Second):
		}
	}
	stop()
}

// tempKey names an upload as the Convox CLI does: tmp/<30 hex>.tgz.
func tempKey() (string, error) {
	b := make([]byte, 15)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating an object key: %w", err)
	}
	return "tmp/" + hex.EncodeToString(b) + ".tgz", nil
}

// regenerator hands the upload a fresh stream on each attempt, closing the
// previous one, and counts the bytes of the last.
type regenerator struct {
	open func() (io.ReadCloser, error)
	mu   sync.Mutex
	cur  io.ReadCloser
	n    atomic.Int64
}

func newRegenerator(open func() (io.ReadCloser, error)) *regenerator {
	return &regenerator{open: open}
}

func (r *regenerator) Next() (io.Reader, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		r.cur.Close()
	}
	rc, err := r.open()
	if err != nil {
		return nil, err
	}
	r.cur = rc
	r.n.Store(0)
	return &countReader{r: rc, n: &r.n}, nil
}

func (r *regenerator) Bytes() int64 { return r.n.Load() }

func (r *regenerator) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cur != nil {
		r.cur.Close()
	}
}

type countReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

// CheckBuildArgs checks build args before anything is sent: each is
// NAME=VALUE, and no value holds a comma, since the Rack splits the build
// args it is sent on commas (a value with one would arrive cut in two).
func CheckBuildArgs(args []string) error {
	for _, a := range args {
		// The arg is never repeated: its value may be a secret (a token),
		// and one without = may be a value pasted without NAME=.
		name, _, ok := strings.Cut(a, "=")
		if !ok {
			return fmt.Errorf("a build arg is not NAME=VALUE (not repeated: it may be a value pasted without NAME=; a value cannot hold a comma: the Rack splits build args on commas, and so does --build-args; repeat the flag for each arg)")
		}
		if name == "" || strings.ContainsAny(name, " \t\r\n") {
			return fmt.Errorf("build arg %q=... is not NAME=VALUE: the name is empty or holds white space", name)
		}
		if strings.Contains(a, ",") {
			return fmt.Errorf("the value of build arg %s has a comma: the Rack splits build args on commas, so pass a list another way (e.g. separated by spaces or semicolons)", name)
		}
	}
	return nil
}
