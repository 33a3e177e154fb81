// Command measure runs a Convox client (convox-ci, or the Convox CLI) against
// a simulated Rack served on loopback and measures each run from outside:
// wall time, when the source upload ended and how many bytes it carried,
// the simulated Rack's own build and rollout time, and the client's peak RSS.
//
//	measure [-n 5] [-build 0s] [-rollout 0s[,2s,...]] [-dir DIR] -- CMD ARGS...
//
// The client gets CONVOX_HOST, CONVOX_PASSWORD, CONVOX_APP and RACK_URL for
// the simulated Rack (and HOME set to an empty directory, so no saved login
// interferes). Each run prints a line on stderr; the last line on stdout is
// a summary of key=value pairs (medians over the runs that succeeded):
//
//	runs fails wall upload upload_start bytes client_upload sim_build sim_rollout overhead rss_kib rss_max_kib
//
// upload is seconds from the client's start to the end of its object upload
// (packaging plus upload, as the Rack sees it); overhead is wall minus the
// simulated Rack's build time (build created to build complete) and rollout
// time. client_upload is what convox-ci itself logged for the upload
// ("source uploaded"), when it ran with --log-format json.
//
// With -discard (the default) the upload body is read to the end and
// counted at line speed, then a small stand-in source (convox.yml and a
// Dockerfile) is handed to the simulated Rack, so its build does not
// decompress a large tarball in this process and memory stays flat.
package main

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/convox-ci/convox-ci/bench/gentree"
	"github.com/convox-ci/convox-ci/internal/racksim"
)

const password = "bench-password-0d6f"

func main() {
	n := flag.Int("n", 1, "runs")
	build := flag.Duration("build", 0, "simulated build duration")
	rollout := flag.String("rollout", "0s", "simulated rollout duration; a comma-separated list is cycled through, one per run")
	app := flag.String("app", "bench", "app name")
	dir := flag.String("dir", "", "working directory of the client (default: the current one)")
	discard := flag.Bool("discard", true, "count upload bodies and hand the Rack a small stand-in source")
	logs := flag.String("logs", "", "keep each run's output in this directory")
	timeout := flag.Duration("timeout", 15*time.Minute, "kill a run that takes longer")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: measure [-n N] [-build D] [-rollout D] [-dir DIR] -- CMD ARGS...")
		os.Exit(2)
	}
	var rollouts []time.Duration
	for v := range strings.SplitSeq(*rollout, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			fmt.Fprintln(os.Stderr, "measure: -rollout:", err)
			os.Exit(2)
		}
		rollouts = append(rollouts, d)
	}
	if err := run(config{n: *n, build: *build, rollouts: rollouts, app: *app, dir: *dir, discard: *discard, logs: *logs, timeout: *timeout, argv: flag.Args()}); err != nil {
		fmt.Fprintln(os.Stderr, "measure:", err)
		os.Exit(1)
	}
}

type config struct {
	n              int
	build          time.Duration
	rollouts       []time.Duration
	app, dir, logs string
	discard        bool
	timeout        time.Duration
	argv           []string
}

// result is one run.
type result struct {
	Run          int     `json:"run"`
	Exit         int     `json:"exit"`
	Wall         float64 `json:"wall"`
	Upload       float64 `json:"upload"`
	UploadStart  float64 `json:"upload_start"`
	Bytes        int64   `json:"bytes"`
	ClientUpload float64 `json:"client_upload"`
	SimBuild     float64 `json:"sim_build"`
	SimRollout   float64 `json:"sim_rollout"`
	Overhead     float64 `json:"overhead"`
	RSSKiB       int64   `json:"rss_kib"`
}

func run(cfg config) error {
	sim := racksim.New(racksim.Options{Password: password, Apps: []string{cfg.app}})
	defer sim.Close()
	// Options treat 0 as "the default"; the setters take 0 as 0.
	sim.SetBuildDuration(cfg.build)
	standIn, err := standInSource()
	if err != nil {
		return err
	}
	rec := &recorder{next: sim, discard: cfg.discard, standIn: standIn}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	l, err := racksim.ListenAndServe(ctx, rec, "127.0.0.1:0", false)
	if err != nil {
		return err
	}
	addr := strings.TrimPrefix(l.URL, "http://")

	home, err := os.MkdirTemp("", "measure-home-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(home)
	env := append(os.Environ(),
		"HOME="+home,
		"CONVOX_HOST=http://"+addr,
		"CONVOX_PASSWORD="+password,
		"CONVOX_APP="+cfg.app,
		"RACK_URL=http://convox:"+password+"@"+addr,
	)

	var results []result
	fails := 0
	for i := range cfg.n {
		rollout := cfg.rollouts[i%len(cfg.rollouts)]
		sim.SetRolloutDuration(rollout)
		r, err := once(cfg, rec, env, i, rollout)
		if err != nil {
			return err
		}
		line, _ := json.Marshal(r)
		fmt.Fprintln(os.Stderr, string(line))
		if r.Exit != 0 {
			fails++
			continue
		}
		results = append(results, r)
	}
	fmt.Println(summary(results, fails))
	if len(results) == 0 {
		return errors.New("every run failed")
	}
	return nil
}

// once runs the client one time.
func once(cfg config, rec *recorder, env []string, i int, rollout time.Duration) (result, error) {
	rec.reset()
	ctx, cancel := context.WithTimeout(context.Background(), cfg.timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, cfg.argv[0], cfg.argv[1:]...)
	cmd.Env, cmd.Dir = env, cfg.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	rec.setStart(start)
	if err := cmd.Start(); err != nil {
		return result{}, fmt.Errorf("starting %s: %w", cfg.argv[0], err)
	}
	err := cmd.Wait()
	wall := time.Since(start)
	r := result{Run: i + 1, Wall: wall.Seconds()}
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		return result{}, fmt.Errorf("running %s: %w", cfg.argv[0], err)
	}
	r.Exit = cmd.ProcessState.ExitCode()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.RSSKiB = ru.Maxrss // KiB on Linux
	}
	if cfg.logs != "" {
		if err := os.WriteFile(filepath.Join(cfg.logs, fmt.Sprintf("run%03d.log", i+1)), out.Bytes(), 0o644); err != nil {
			return result{}, err
		}
	}
	if r.Exit != 0 {
		tail := out.String()
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		fmt.Fprintf(os.Stderr, "run %d exited %d:\n%s\n", i+1, r.Exit, tail)
	}
	ev := rec.snapshot()
	if !ev.uploadEnd.IsZero() {
		r.Upload = ev.uploadEnd.Sub(start).Seconds()
		r.UploadStart = ev.uploadStart.Sub(start).Seconds()
		r.Bytes = ev.bytes
	}
	r.ClientUpload = clientUpload(out.Bytes())
	if !ev.buildStarted.IsZero() && !ev.buildEnded.IsZero() {
		r.SimBuild = ev.buildEnded.Sub(ev.buildStarted).Seconds()
	}
	if ev.promoted {
		r.SimRollout = rollout.Seconds()
	}
	r.Overhead = r.Wall - r.SimBuild - r.SimRollout
	return r, nil
}

// clientUpload finds convox-ci's "source uploaded" JSON log line.
func clientUpload(out []byte) float64 {
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		var ev struct {
			Message  string  `json:"message"`
			Duration float64 `json:"duration"`
		}
		if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Message == "source uploaded" {
			return ev.Duration
		}
	}
	return 0
}

func summary(rs []result, fails int) string {
	med := func(f func(result) float64) float64 {
		if len(rs) == 0 {
			return 0
		}
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		if len(v)%2 == 1 {
			return v[len(v)/2]
		}
		return (v[len(v)/2-1] + v[len(v)/2]) / 2
	}
	var rssMax, bytesMax int64
	for _, r := range rs {
		rssMax = max(rssMax, r.RSSKiB)
		bytesMax = max(bytesMax, r.Bytes)
	}
	return fmt.Sprintf("runs=%d fails=%d wall=%.3f upload=%.3f upload_start=%.3f bytes=%d client_upload=%.3f sim_build=%.3f sim_rollout=%.3f overhead=%.3f overhead_min=%.3f overhead_max=%.3f rss_kib=%.0f rss_max_kib=%d",
		len(rs), fails,
		med(func(r result) float64 { return r.Wall }),
		med(func(r result) float64 { return r.Upload }),
		med(func(r result) float64 { return r.UploadStart }),
		bytesMax,
		med(func(r result) float64 { return r.ClientUpload }),
		med(func(r result) float64 { return r.SimBuild }),
		med(func(r result) float64 { return r.SimRollout }),
		med(func(r result) float64 { return r.Overhead }),
		extreme(rs, func(a, b float64) bool { return a < b }),
		extreme(rs, func(a, b float64) bool { return a > b }),
		med(func(r result) float64 { return float64(r.RSSKiB) }),
		rssMax)
}

func extreme(rs []result, better func(a, b float64) bool) float64 {
	var v float64
	for i, r := range rs {
		if i == 0 || better(r.Overhead, v) {
			v = r.Overhead
		}
	}
	return v
}

// events are what the recorder saw during one run.
type events struct {
	uploadStart, uploadEnd   time.Time
	bytes                    int64
	buildStarted, buildEnded time.Time // the Rack's own times of the build
	promoted                 bool
}

// recorder wraps the simulated Rack and notes when the upload happened, the
// build's own start and end, and whether a promote happened.
type recorder struct {
	next    http.Handler
	discard bool
	standIn []byte

	mu    sync.Mutex
	start time.Time
	ev    events
}

func (rc *recorder) reset() {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.ev = events{}
}

func (rc *recorder) setStart(t time.Time) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.start = t
}

func (rc *recorder) snapshot() events {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return rc.ev
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch {
	case r.Method == http.MethodPost && strings.Contains(path, "/objects/"):
		start := time.Now()
		body := &countingReader{r: r.Body}
		if rc.discard {
			if _, err := io.Copy(io.Discard, body); err != nil {
				http.Error(w, "reading the upload: "+err.Error(), http.StatusBadRequest)
				return
			}
			if !bytes.HasPrefix(body.head, []byte{0x1f, 0x8b}) {
				http.Error(w, "the upload is not gzip", http.StatusBadRequest)
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(rc.standIn))
			r.ContentLength = int64(len(rc.standIn))
		} else {
			r.Body = struct {
				io.Reader
				io.Closer
			}{body, r.Body}
		}
		rc.next.ServeHTTP(w, r)
		end := time.Now()
		rc.mu.Lock()
		rc.ev.uploadStart, rc.ev.uploadEnd, rc.ev.bytes = start, end, body.n
		rc.mu.Unlock()
		return
	case r.Method == http.MethodPost && strings.HasSuffix(path, "/promote"):
		rc.next.ServeHTTP(w, r)
		rc.mu.Lock()
		rc.ev.promoted = true
		rc.mu.Unlock()
		return
	case r.Method == http.MethodGet && strings.Contains(path, "/builds/") && !strings.HasSuffix(path, "/logs"):
		rw := &statusWriter{ResponseWriter: w}
		rc.next.ServeHTTP(rw, r)
		var b struct {
			Status  string    `json:"status"`
			Started time.Time `json:"started"`
			Ended   time.Time `json:"ended"`
		}
		if json.Unmarshal(rw.body.Bytes(), &b) == nil && (b.Status == "complete" || b.Status == "failed") {
			rc.mu.Lock()
			rc.ev.buildStarted, rc.ev.buildEnded = b.Started, b.Ended
			rc.mu.Unlock()
		}
		return
	}
	rc.next.ServeHTTP(w, r)
}

// statusWriter keeps a copy of a small JSON answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	body   bytes.Buffer
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.body.Len() < 64<<10 {
		s.body.Write(p)
	}
	return s.ResponseWriter.Write(p)
}

// countingReader counts bytes and keeps the first few.
type countingReader struct {
	r    io.Reader
	n    int64
	head []byte
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if len(c.head) < 2 {
		c.head = append(c.head, p[:min(n, 2-len(c.head))]...)
	}
	c.n += int64(n)
	return n, err
}

// standInSource is a tar.gz of the generated trees' app files.
func standInSource() ([]byte, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []struct{ name, body string }{{"convox.yml", gentree.Manifest}, {"Dockerfile", gentree.Dockerfile}} {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.body)), Typeflag: tar.TypeReg}); err != nil {
			return nil, err
		}
		if _, err := tw.Write([]byte(f.body)); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := gz.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
