package steps

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
	"github.com/convox-ci/convox-ci/internal/report"
)

const (
	simPassword = "sim-password-7c1e"
	simApp      = "myapp"
)

func init() {
	ambiguityPause = 10 * time.Millisecond
	lookupWindow = time.Second
}

// loss makes matching requests lose their answer: a reset (status 0) or an
// error status, after the Rack carried the request out (processed) or not.
type loss struct {
	method    string
	match     func(path string) bool
	processed bool
	late      time.Duration // processed this long after the answer was lost
	until     func() bool   // processed, then the answer is held until this holds
	status    int
	silent    bool // no answer at all: the connection stays open until the client gives up
	times     int
}

// lossyRack is a simulated Rack behind a proxy that loses answers.
type lossyRack struct {
	sim *racksim.Server
	url string

	mu    sync.Mutex
	rules []*loss
	seen  []string // "METHOD path" of every request, lost or not
	late  sync.WaitGroup
}

func newLossyRack(t *testing.T) *lossyRack {
	t.Helper()
	l := &lossyRack{}
	l.sim, l.url = racksimtest.StartBehind(t, racksim.Options{Password: simPassword, Apps: []string{simApp}},
		func(http.Handler) http.Handler { return l })
	t.Cleanup(l.late.Wait) // before the Rack closes (cleanups run last first)
	return l
}

func (l *lossyRack) lose(rule loss) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rules = append(l.rules, &rule)
}

func (l *lossyRack) take(r *http.Request) *loss {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.seen = append(l.seen, r.Method+" "+r.URL.Path)
	for _, rule := range l.rules {
		if rule.times > 0 && rule.method == r.Method && rule.match(r.URL.Path) {
			rule.times--
			return rule
		}
	}
	return nil
}

func (l *lossyRack) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rule := l.take(r)
	if rule == nil {
		l.sim.ServeHTTP(w, r)
		return
	}
	switch {
	case rule.late > 0:
		// The Rack is still working: it carries the request out after the
		// gateway has answered.
		body, _ := io.ReadAll(r.Body)
		late := r.Clone(context.Background())
		late.Body = io.NopCloser(bytes.NewReader(body))
		l.late.Add(1)
		go func() {
			defer l.late.Done()
			time.Sleep(rule.late)
			l.sim.ServeHTTP(httptest.NewRecorder(), late)
		}()
	case rule.processed:
		l.sim.ServeHTTP(httptest.NewRecorder(), r)
		for rule.until != nil && !rule.until() && r.Context().Err() == nil {
			time.Sleep(time.Millisecond)
		}
	default:
		_, _ = io.Copy(io.Discard, r.Body)
	}
	if rule.silent {
		<-r.Context().Done()
		return
	}
	if rule.status != 0 {
		http.Error(w, http.StatusText(rule.status), rule.status)
		return
	}
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		return
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// count counts the requests sent (lost or not).
func (l *lossyRack) count(method string, match func(string) bool) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.seen {
		if m, p, _ := strings.Cut(s, " "); m == method && match(p) {
			n++
		}
	}
	return n
}

func exact(p string) func(string) bool { return func(s string) bool { return s == p } }

func suffix(p string) func(string) bool {
	return func(s string) bool { return strings.HasSuffix(s, p) }
}

func (l *lossyRack) state(t *testing.T) *pipeline.State {
	t.Helper()
	return stateFor(t, l.url)
}

func stateFor(t *testing.T, url string) *pipeline.State {
	t.Helper()
	return stateWithAnswerTimeout(t, url, 0)
}

// stateWithAnswerTimeout is stateFor with the client's answer timeout set
// (0: the default).
func stateWithAnswerTimeout(t *testing.T, url string, answerTimeout time.Duration) *pipeline.State {
	t.Helper()
	log := zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.InfoLevel)
	connect := func(u string) (*rack.Client, error) {
		return rack.New(rack.Config{
			RackURL: strings.Replace(u, "://", "://convox:"+simPassword+"@", 1), Logger: log,
			RetryMax: 2, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond,
			AnswerTimeout: answerTimeout,
		})
	}
	c, err := connect(url)
	require.NoError(t, err)
	return &pipeline.State{
		Rack: c, RackName: "staging", App: simApp, Log: log, Stdout: io.Discard, Secrets: report.NewSecrets(),
		Connect: func(ep pipeline.Endpoint) (*rack.Client, error) { return connect(ep.Rack) }, Poll: pipeline.Poll{Min: 5 * time.Millisecond, Max: 20 * time.Millisecond},
	}
}

func appSource(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Dockerfile": "FROM scratch\nCOPY . /app\n",
		"convox.yml": "services:\n  web:\n    build: .\n    port: 3000\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

func deploy(t *testing.T, st *pipeline.State) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return pipeline.Run(ctx, st, []pipeline.Step{Build{Dir: appSource(t), Description: "build 0123456789 fix"}, Promote{}})
}

func TestBuildCreateAfterALostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      loss
		wantPosts int
	}{
		{name: "carried out, then reset: found by its marker", rule: loss{processed: true}, wantPosts: 1},
		{name: "carried out, then 502: found by its marker", rule: loss{processed: true, status: 502}, wantPosts: 1},
		{name: "reset before the Rack acted: created again", rule: loss{}, wantPosts: 2},
		{name: "503 from a proxy: looked up, then created again", rule: loss{status: 503}, wantPosts: 2},
		{name: "504, carried out later: found by looking again", rule: loss{status: 504, late: 300 * time.Millisecond}, wantPosts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLossyRack(t)
			tc.rule.method, tc.rule.match, tc.rule.times = "POST", exact("/apps/myapp/builds"), 1
			l.lose(tc.rule)
			st := l.state(t)
			require.NoError(t, deploy(t, st))
			rs := l.sim.Rack("")
			require.Equal(t, 1, rs.BuildCreates(simApp), "the Rack created exactly one build")
			require.Equal(t, tc.wantPosts, l.count("POST", exact("/apps/myapp/builds")))
			b := rs.Builds(simApp)[0]
			require.Equal(t, st.BuildID, b.ID)
			require.Regexp(t, `^build 0123456789 fix \[convox-ci:[0-9a-f]{12}\]$`, b.Description)
			require.Equal(t, []string{st.ReleaseID}, rs.Promotions(simApp))
		})
	}
}

// A gateway that forwards a request and then stays silent: the build
// creation is carried out and its answer never comes, a read of the build
// gets no answer once. The read is retried; the creation is looked up, not
// sent again.
func TestSilentGateway(t *testing.T) {
	l := newLossyRack(t)
	l.lose(loss{method: "POST", match: exact("/apps/myapp/builds"), processed: true, silent: true, times: 1})
	l.lose(loss{method: "GET", match: func(p string) bool { return strings.HasPrefix(p, "/apps/myapp/builds/B") }, silent: true, times: 1})
	st := stateWithAnswerTimeout(t, l.url, 50*time.Millisecond)
	require.NoError(t, deploy(t, st))
	rs := l.sim.Rack("")
	require.Equal(t, 1, rs.BuildCreates(simApp), "the Rack created exactly one build")
	require.Equal(t, 1, l.count("POST", exact("/apps/myapp/builds")), "the silent creation was looked up, not sent again")
	require.Equal(t, []string{st.ReleaseID}, rs.Promotions(simApp))
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, rule := range l.rules {
		require.Zero(t, rule.times, "each silence happened: %s", rule.method)
	}
}

func TestBuildCreateNotRepeatedWhenTheLookupFails(t *testing.T) {
	l := newLossyRack(t)
	l.lose(loss{method: "POST", match: exact("/apps/myapp/builds"), status: 503, times: 1})
	l.lose(loss{method: "GET", match: exact("/apps/myapp/builds"), status: 503, times: 100})
	err := deploy(t, l.state(t))
	require.Error(t, err)
	require.ErrorIs(t, err, rack.ErrAmbiguous)
	require.ErrorContains(t, err, "whether it was created is unknown")
	require.Equal(t, 1, l.count("POST", exact("/apps/myapp/builds")), "no blind second create")
}

func TestBuildCreateGivesUpAfterBoundedAttempts(t *testing.T) {
	l := newLossyRack(t)
	l.lose(loss{method: "POST", match: exact("/apps/myapp/builds"), times: 100})
	err := deploy(t, l.state(t))
	require.ErrorIs(t, err, rack.ErrAmbiguous)
	require.ErrorContains(t, err, "gave up after 4 attempts")
	require.Equal(t, maxCreateAttempts, l.count("POST", exact("/apps/myapp/builds")))
	require.Zero(t, l.sim.Rack("").BuildCreates(simApp))
}

func TestPromoteAfterALostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      loss
		wantPosts int
	}{
		{name: "carried out, then reset: the app shows it", rule: loss{processed: true}, wantPosts: 1},
		{name: "carried out, then 504", rule: loss{processed: true, status: 504}, wantPosts: 1},
		{name: "502 before the Rack acted: sent again", rule: loss{status: 502}, wantPosts: 2},
		{name: "502, carried out later: the app shows it in time", rule: loss{status: 502, late: 300 * time.Millisecond}, wantPosts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLossyRack(t)
			tc.rule.method, tc.rule.match, tc.rule.times = "POST", suffix("/promote"), 1
			l.lose(tc.rule)
			st := l.state(t)
			require.NoError(t, deploy(t, st))
			require.Equal(t, []string{st.ReleaseID}, l.sim.Rack("").Promotions(simApp), "promoted exactly once")
			require.Equal(t, tc.wantPosts, l.count("POST", suffix("/promote")))
			app, _ := l.sim.Rack("").App(simApp)
			require.Equal(t, st.ReleaseID, app.Release)
		})
	}
}

func TestPromoteLostThenRolledBackIsARollback(t *testing.T) {
	l := newLossyRack(t)
	l.sim.RollbackNextPromote(simApp)
	l.lose(loss{method: "POST", match: suffix("/promote"), processed: true, times: 1})
	err := deploy(t, l.state(t))
	require.ErrorIs(t, err, ErrRolledBack)
	require.Len(t, l.sim.Rack("").Promotions(simApp), 1)
}

// A promotion the Rack carried out and reverted before the first look cannot
// be told from one never made, so it is sent again; the bad release rolls
// back again and the deploy reports the rollback rather than exit 0.
func TestPromoteRevertedBeforeTheLookupIsARollback(t *testing.T) {
	l := newLossyRack(t)
	old, _ := l.sim.Rack("").App(simApp)
	l.sim.RollbackNextPromote(simApp)
	l.sim.SetRolloutDuration(time.Millisecond)
	reverted := func() bool {
		app, _ := l.sim.Rack("").App(simApp)
		done := len(l.sim.Rack("").Promotions(simApp)) == 1 && app.Status == rack.AppRunning && app.Release == old.Release
		if done {
			// The promotion sent again must roll out long enough to be seen
			// updating: a rollout over before the first poll reads as the
			// controller not having started yet (the 2m grace), not as a rollback.
			l.sim.SetRolloutDuration(3 * time.Second)
		}
		return done
	}
	l.lose(loss{method: "POST", match: suffix("/promote"), processed: true, status: 502, until: reverted, times: 1})
	st := l.state(t)
	err := deploy(t, st)
	require.ErrorIs(t, err, ErrRolledBack)
	var rb *RollbackError
	require.True(t, errors.As(err, &rb), "got %v", err)
	require.Equal(t, st.ReleaseID, rb.Release)
	require.Equal(t, old.Release, rb.Active)
	require.Equal(t, []string{st.ReleaseID, st.ReleaseID}, l.sim.Rack("").Promotions(simApp), "sent again: nothing told it from a promotion never made")
	app, _ := l.sim.Rack("").App(simApp)
	require.Equal(t, old.Release, app.Release)
}

func envStep() Env {
	return Env{Replace: true, Vars: []EnvVar{{Key: "B", Value: "two-secret"}, {Key: "A", Value: "one-secret"}}}
}

func runStep(t *testing.T, st *pipeline.State, step pipeline.Step) error {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return pipeline.Run(ctx, st, []pipeline.Step{step})
}

func TestEnvReleaseAfterALostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      loss
		wantPosts int
	}{
		{name: "carried out, then reset: found by its marker", rule: loss{processed: true}, wantPosts: 1},
		{name: "reset before the Rack acted: created again", rule: loss{}, wantPosts: 2},
		{name: "504, carried out later: found by looking again", rule: loss{status: 504, late: 300 * time.Millisecond}, wantPosts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLossyRack(t)
			before := len(l.sim.Rack("").Releases(simApp))
			tc.rule.method, tc.rule.match, tc.rule.times = "POST", exact("/apps/myapp/releases"), 1
			l.lose(tc.rule)
			st := l.state(t)
			require.NoError(t, runStep(t, st, envStep()))
			rels := l.sim.Rack("").Releases(simApp)
			require.Len(t, rels, before+1, "exactly one release")
			require.Equal(t, st.ReleaseID, rels[0].ID)
			require.Equal(t, "A=one-secret\nB=two-secret", rels[0].Env)
			require.Regexp(t, `^env replace:A,B \[convox-ci:[0-9a-f]{12}\]$`, rels[0].Description)
			require.Equal(t, tc.wantPosts, l.count("POST", exact("/apps/myapp/releases")))
		})
	}
}

func TestEnvReleaseNotRepeatedWhenTheListIsForbidden(t *testing.T) {
	l := newLossyRack(t)
	before := len(l.sim.Rack("").Releases(simApp))
	l.lose(loss{method: "POST", match: exact("/apps/myapp/releases"), times: 1})
	l.lose(loss{method: "GET", match: exact("/apps/myapp/releases"), status: 403, times: 100})
	err := runStep(t, l.state(t), envStep())
	require.ErrorIs(t, err, rack.ErrAmbiguous)
	require.ErrorContains(t, err, "whether it was created is unknown")
	require.NotContains(t, err.Error(), "secret", "values never reach errors")
	require.Equal(t, 1, l.count("POST", exact("/apps/myapp/releases")))
	require.Len(t, l.sim.Rack("").Releases(simApp), before)
}

func TestRunProcessAfterALostAnswer(t *testing.T) {
	for _, tc := range []struct {
		name      string
		rule      loss
		wantPosts int
	}{
		{name: "started, then reset: the new process is used", rule: loss{processed: true}, wantPosts: 1},
		{name: "reset before the Rack acted: started again", rule: loss{}, wantPosts: 2},
		{name: "502, started later: the new process is used", rule: loss{status: 502, late: 300 * time.Millisecond}, wantPosts: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLossyRack(t)
			var execs atomic.Int32
			l.sim.OnExec(func(_, _, _ string, _ []byte) (string, int) {
				execs.Add(1)
				return "migrated\n", 0
			})
			tc.rule.method, tc.rule.match, tc.rule.times = "POST", exact("/apps/myapp/services/web/processes"), 1
			l.lose(tc.rule)
			require.NoError(t, runStep(t, l.state(t), Run{Service: "web", Command: []string{"bin/migrate"}, Limit: time.Minute}))
			require.Equal(t, int32(1), execs.Load(), "the migration ran once")
			require.Equal(t, tc.wantPosts, l.count("POST", exact("/apps/myapp/services/web/processes")))
			for _, p := range l.sim.Rack("").Processes(simApp) {
				require.NotEqual(t, "sleep 60", p.Command, "no run process is left behind")
			}
		})
	}
}

func TestRunExecIsNeverRepeated(t *testing.T) {
	l := newLossyRack(t)
	var execs atomic.Int32
	l.sim.OnExec(func(_, _, _ string, _ []byte) (string, int) {
		execs.Add(1)
		return "migrated\n", 0
	})
	l.sim.CutStream("GET", "/apps/myapp/processes/*/exec")
	err := runStep(t, l.state(t), Run{Service: "web", Command: []string{"bin/migrate"}, Limit: time.Minute})
	var se *rack.StreamError
	require.True(t, errors.As(err, &se), "a lost exit status is a failure: %v", err)
	require.Equal(t, int32(1), execs.Load())
	n := 0
	for _, r := range l.sim.Requests() {
		if r.WebSocket && strings.HasSuffix(r.Path, "/exec") {
			n++
		}
	}
	require.Equal(t, 1, n, "the exec stream is opened once")
}

func TestBuildLogStreamCutDoesNotFailTheBuild(t *testing.T) {
	l := newLossyRack(t)
	l.sim.SetBuildDuration(200 * time.Millisecond)
	l.sim.CutStream("GET", "/apps/myapp/builds/*/logs")
	st := l.state(t)
	require.NoError(t, deploy(t, st))
	b := l.sim.Rack("").Builds(simApp)[0]
	require.Equal(t, rack.BuildComplete, b.Status)
	require.Equal(t, []string{st.ReleaseID}, l.sim.Rack("").Promotions(simApp))
}

func TestImportAfterALostAnswer(t *testing.T) {
	const sha = "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name      string
		rule      loss
		wantPosts int
	}{
		{name: "imported, then reset: found among the new builds", rule: loss{processed: true}, wantPosts: 1},
		{name: "reset before the Rack acted: exported and imported again", rule: loss{}, wantPosts: 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			source := newLossyRack(t)
			srcState := source.state(t)
			srcState.Commit = sha
			require.NoError(t, runStep(t, srcState, Build{Dir: appSource(t), Description: "build 0123456789 fix"}))

			target := newLossyRack(t)
			tc.rule.method, tc.rule.match, tc.rule.times = "POST", exact("/apps/myapp/builds/import"), 1
			target.lose(tc.rule)
			st := target.state(t)
			st.Commit = sha
			st.Connect = func(pipeline.Endpoint) (*rack.Client, error) { return srcState.Rack, nil }
			require.NoError(t, runStep(t, st, Import{From: "org/source"}))
			builds := target.sim.Rack("").Builds(simApp)
			require.Len(t, builds, 2, "the seeded build and exactly one import")
			require.Equal(t, st.BuildID, builds[0].ID)
			require.Equal(t, tc.wantPosts, target.count("POST", exact("/apps/myapp/builds/import")))
		})
	}
}

func TestImportFromAStreamFailsClearlyWhenTheAnswerIsLost(t *testing.T) {
	l := newLossyRack(t)
	l.lose(loss{method: "POST", match: exact("/apps/myapp/builds/import"), processed: true, times: 1})
	err := runStep(t, l.state(t), ImportStream{From: strings.NewReader("not really an artifact")})
	require.ErrorIs(t, err, rack.ErrAmbiguous)
	require.ErrorContains(t, err, "cannot be sent again")
}

func TestMarkers(t *testing.T) {
	m, err := newMarker()
	require.NoError(t, err)
	require.Regexp(t, `^convox-ci:[0-9a-f]{12}$`, m)
	other, _ := newMarker()
	require.NotEqual(t, m, other)
	for _, tc := range []struct{ name, desc, want string }{
		{name: "appended", desc: "build abc fix", want: "build abc fix [" + m + "]"},
		{name: "alone", desc: "", want: "[" + m + "]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Tag{Marker: m}.Append(tc.desc)
			require.Equal(t, tc.want, got)
			require.True(t, hasMarker(got, m))
			require.False(t, hasMarker(got, other))
		})
	}
}

func TestEnvDescription(t *testing.T) {
	before := []EnvVar{{Key: "A", Value: "1"}, {Key: "B", Value: "2"}, {Key: "C", Value: "3"}}
	for _, tc := range []struct {
		name          string
		replace       bool
		before, after []EnvVar
		want          string
	}{
		{name: "replace names the keys", replace: true, after: []EnvVar{{Key: "Z", Value: "x"}, {Key: "A", Value: "y"}}, want: "env replace:A,Z"},
		{name: "diff as the Rack words it", before: before, after: []EnvVar{{Key: "A", Value: "1"}, {Key: "B", Value: "9"}, {Key: "D", Value: "4"}}, want: "env add:D change:B remove:C"},
		{name: "unchanged", before: before, after: before, want: "env unchanged"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := envDescription(tc.replace, tc.before, tc.after)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestLookupsStopAtTheDeadline(t *testing.T) {
	defer func(w time.Duration) { lookupWindow = w }(lookupWindow)
	lookupWindow = time.Hour
	l := newLossyRack(t)
	l.lose(loss{method: "POST", match: exact("/apps/myapp/builds"), status: 504, times: 1})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := pipeline.Run(ctx, l.state(t), []pipeline.Step{Build{Dir: appSource(t)}})
	require.ErrorIs(t, err, context.DeadlineExceeded, "the deadline ends the lookups (exit 4)")
	require.ErrorIs(t, err, rack.ErrAmbiguous)
	require.ErrorContains(t, err, "whether it was created is unknown")
	require.Equal(t, 1, l.count("POST", exact("/apps/myapp/builds")), "no second create without the time to look")
}

func TestATransientLookupFailureIsLookedPast(t *testing.T) {
	l := newLossyRack(t)
	l.lose(loss{method: "POST", match: exact("/apps/myapp/builds"), processed: true, status: 502, times: 1})
	l.lose(loss{method: "GET", match: exact("/apps/myapp/builds"), status: 503, times: 3}) // one look, with its retries
	st := l.state(t)
	require.NoError(t, deploy(t, st))
	require.Equal(t, 1, l.sim.Rack("").BuildCreates(simApp))
	require.Equal(t, 1, l.count("POST", exact("/apps/myapp/builds")))
	require.GreaterOrEqual(t, l.count("GET", exact("/apps/myapp/builds")), 4, "looked again after the failed look")
}

// A packaging failure is this machine's: reported with the path and the
// reason, not as an unreachable Rack, and the upload is not repeated.
func TestLocalPackagingErrorsAreReportedAsLocal(t *testing.T) {
	for name, tc := range map[string]struct {
		file, body string
		mode       os.FileMode
		want       string
		root       bool // reproducible as root
	}{
		"invalid .dockerignore": {file: ".dockerignore", body: "[\n", mode: 0o644, want: "parsing ", root: true},
		"unreadable file":       {file: "secret.pem", body: "x", mode: 0o200, want: "reading secret.pem: permission denied"},
	} {
		t.Run(name, func(t *testing.T) {
			if !tc.root && os.Geteuid() == 0 {
				t.Skip("root reads everything")
			}
			l := newLossyRack(t)
			dir := appSource(t)
			require.NoError(t, os.WriteFile(filepath.Join(dir, tc.file), []byte(tc.body), tc.mode))
			err := runStep(t, l.state(t), Build{Dir: dir})
			require.ErrorContains(t, err, tc.want)
			require.ErrorContains(t, err, "a problem on this machine")
			require.NotContains(t, err.Error(), "could not reach")
			require.LessOrEqual(t, l.count("POST", func(p string) bool { return strings.Contains(p, "/objects/") }), 1, "not uploaded again")
			require.Zero(t, l.count("POST", exact("/apps/myapp/builds")))
		})
	}
}

// The manifest and its Dockerfile reach the Rack even when .dockerignore
// excludes them, as docker build sends its Dockerfile whatever it says.
func TestBuildSendsTheManifestAndDockerfileWhateverDockerignoreSays(t *testing.T) {
	l := newLossyRack(t)
	dir := appSource(t)
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("convox.yml\nDockerfile\n"), 0o644))
	require.NoError(t, runStep(t, l.state(t), Build{Dir: dir}))
	b := l.sim.Rack("").Builds(simApp)[0]
	require.Equal(t, "complete", b.Status, b.Reason)
	require.Contains(t, b.Manifest, "services:", "the Rack read the manifest")
}

// The Rack reads the environment as lines: a value with a line break would
// be cut and its tail read as other variables, so nothing is sent.
func TestEnvValueWithALineBreakIsNeverSent(t *testing.T) {
	l := newLossyRack(t)
	err := runStep(t, l.state(t), Env{Replace: true, Vars: []EnvVar{{Key: "PEM", Value: "-----BEGIN-----\nINJECTED_VAR=1"}}})
	require.ErrorContains(t, err, "the value of PEM contains a line break")
	require.NotContains(t, err.Error(), "INJECTED")
	require.Zero(t, l.count("POST", exact("/apps/myapp/releases")))
}
