package reliability

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
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
	"github.com/convox-ci/convox-ci/internal/steps"
)

// The suite (see the package comment for the commands).
//
// Short (the default, for .ci/run): rates 0 and 0.1 with seed 1, rates 0.3
// and 0.5 with seeds 1, 2 and 3; per run 20 deploys, 12 migrations and 8
// environment replacements on one simulated Rack (each unit on its own app,
// so that fault decisions, keyed by app and route, do not depend on the
// other units). The runs go in parallel: most of their time is waiting.
// Long (CONVOX_CI_RELIABILITY=long): 150 deploys, 60 migrations and 60
// replacements per run, rates 0, 0.1, 0.3 and 0.5, seeds 1 to 5.
//
// The client runs with its default retry policy (4 retries, 250 ms doubling
// to 5 s, Retry-After honoured) and the steps with their default lookups
// after a lost answer (0.3 s doubling, for up to 30 s), as users get them.
// The faults include late answers: a 502 or 504 at once, the Rack carrying
// the request out 0.5 to 4 s later.
//
// Floors (share of units that must succeed), and why:
//   - rate 0: everything.
//   - deploys and env replacements: 95% at 0.1, 90% at 0.3, 60% at 0.5.
//     Reads are retried on every fault and creations are looked up and
//     repeated, so a unit fails only when one call meets 5 fatal faults in
//     a row. At 0.3, with 5 of the 6 kinds that apply to plain requests
//     fatal to one attempt, that is 0.25^5 ≈ 0.1% per call, about 3% for a
//     deploy's 20 to 30 calls; at 0.5, 0.42^5 ≈ 1.3% per call, about 25%
//     for a deploy. The floors leave room for that and for the few calls
//     (the exec stream, the Console preflight) that are never repeated.
//   - migrations: 80% at 0.1, 50% at 0.3, 25% at 0.5. The exec stream (the
//     migration itself) is never repeated and a lost exit status is a
//     failure, so a fatal fault on it (502, reset or cut stream: 3 of the 6
//     kinds that apply to websockets) fails the run, on top of the calls
//     before it.
//
// Invariants asserted on every unit, successful or not: the Rack saw at most
// one build and one promotion per deploy, at most one release per
// replacement, at most one execution per migration; and on every success:
// exactly one of each, the app running the promoted release, the release
// holding the environment set.

const (
	password = "reliability-pw-5b2d7e31"
	// canary is an environment value; no byte of it may reach the logs.
	canary = "canary-db-secret-91f3c7a4"
)

type profile struct {
	name                string
	deploys, runs, envs int
	runsAt              []rateSeed
	concurrency         int
}

// rateSeed is one run of the suite: a fault rate and the seed of its faults.
type rateSeed struct {
	rate float64
	seed int64
}

func chooseProfile() profile {
	if os.Getenv("CONVOX_CI_RELIABILITY") == "long" {
		var rs []rateSeed
		for _, rate := range []float64{0, 0.1, 0.3, 0.5} {
			for seed := int64(1); seed <= 5; seed++ {
				rs = append(rs, rateSeed{rate, seed})
			}
		}
		return profile{name: "long", deploys: 150, runs: 60, envs: 60, runsAt: rs, concurrency: 32}
	}
	return profile{name: "short", deploys: 20, runs: 12, envs: 8, concurrency: 40, runsAt: []rateSeed{
		{0, 1}, {0.1, 1}, {0.3, 1}, {0.3, 2}, {0.3, 3}, {0.5, 1}, {0.5, 2}, {0.5, 3},
	}}
}

// floor is the share of units of a kind that must succeed at a rate.
func floor(kind string, rate float64) float64 {
	switch {
	case rate == 0:
		return 1
	case kind == "migration" && rate <= 0.1:
		return 0.8
	case kind == "migration" && rate <= 0.3:
		return 0.5
	case kind == "migration":
		return 0.25
	case rate <= 0.1:
		return 0.95
	case rate <= 0.3:
		return 0.9
	}
	return 0.6
}

// env is one simulated Rack under faults, and what the units share.
type env struct {
	sim     *racksim.Server
	url     string
	dir     string
	log     zerolog.Logger
	logs    *racksimtest.Buffer // the suite's log: every goroutine writes to it
	stdout  *racksimtest.Buffer
	secrets *report.Secrets

	mu    sync.Mutex
	execs map[string]int // OnExec calls by app
}

func newEnv(t *testing.T, apps []string, faults racksim.Faults) *env {
	t.Helper()
	sim, url := racksimtest.Start(t, racksim.Options{
		Password: password, Apps: apps, Faults: faults,
		BuildDuration: 100 * time.Millisecond, RolloutDuration: 100 * time.Millisecond, ProcessStartDelay: 20 * time.Millisecond,
	})
	e := &env{sim: sim, url: url, dir: appSource(t), logs: &racksimtest.Buffer{}, stdout: &racksimtest.Buffer{}, secrets: report.NewSecrets(), execs: map[string]int{}}
	e.log = zerolog.New(e.logs).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	e.secrets.Add(password)
	sim.OnExec(func(app, _, command string, _ []byte) (string, int) {
		e.mu.Lock()
		e.execs[app]++
		e.mu.Unlock()
		if strings.HasPrefix(app, "exit3-") {
			return "migration failed\n", 3
		}
		return "migrating " + command + "\ndone\n", 0
	})
	return e
}

func (e *env) execCount(app string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.execs[app]
}

// state is what cmd builds for a command: a client with the default retry
// policy, the shared log, stdout and secrets.
func (e *env) state(t *testing.T, app, pw string) *pipeline.State {
	t.Helper()
	c, err := rack.New(rack.Config{Host: e.url, Password: pw, Logger: e.log, Version: "reliability"})
	require.NoError(t, err)
	return &pipeline.State{
		Rack: c, RackName: "staging", App: app, Log: e.log.With().Str("app", app).Logger(),
		Stdout: e.stdout, Secrets: e.secrets, Poll: pipeline.DefaultPoll,
		Connect: func(pipeline.Endpoint) (*rack.Client, error) { return nil, errors.New("one rack only") },
	}
}

func appSource(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range map[string]string{
		"Dockerfile": "FROM scratch\nCOPY . /app\n",
		"convox.yml": "services:\n  web:\n    build: .\n    port: 3000\n",
		"index.js":   "console.log('hi')\n",
	} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
	}
	return dir
}

// outcome is one unit's result and what the Rack saw.
type outcome struct {
	kind     string // deploy, migration, env
	app      string
	err      error
	created  int // builds (deploy), releases (env), run processes started (migration)
	promoted int // promotions (deploy)
	execs    int // executions (migration)
	left     int // run processes left on the Rack (migration)
	took     time.Duration
	problems []string
}

func (o *outcome) problem(format string, args ...any) {
	o.problems = append(o.problems, fmt.Sprintf(o.kind+" "+o.app+": "+format, args...))
}

// runCtx is one unit's deadline: room for a few 30 s lookups after lost
// answers.
func runCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), 5*time.Minute)
}

func (e *env) deploy(t *testing.T, app string) outcome {
	o := outcome{kind: "deploy", app: app}
	st := e.state(t, app, password)
	ctx, cancel := runCtx()
	defer cancel()
	start := time.Now()
	o.err = pipeline.Run(ctx, st, []pipeline.Step{steps.Build{Dir: e.dir, Description: "build 0123456789 reliability"}, steps.Promote{}})
	o.took = time.Since(start)
	rs := e.sim.Rack("")
	o.created = rs.BuildCreates(app)
	promotions := rs.Promotions(app)
	o.promoted = len(promotions)
	if o.created > 1 {
		o.problem("the Rack saw %d builds", o.created)
	}
	if o.promoted > 1 {
		o.problem("the Rack saw %d promotions", o.promoted)
	}
	if o.err != nil {
		return o
	}
	a, _ := rs.App(app)
	builds := rs.Builds(app)
	switch {
	case o.created != 1 || o.promoted != 1:
		o.problem("success with %d builds and %d promotions", o.created, o.promoted)
	case promotions[0] != st.ReleaseID:
		o.problem("success, but the Rack promoted %s, not %s", promotions[0], st.ReleaseID)
	case a.Release != st.ReleaseID || a.Status != rack.AppRunning:
		o.problem("success, but the app is %s on %s, not running %s", a.Status, a.Release, st.ReleaseID)
	case builds[0].ID != st.BuildID || builds[0].Status != rack.BuildComplete || builds[0].Release != st.ReleaseID:
		o.problem("success, but build %s is %s with release %s", builds[0].ID, builds[0].Status, builds[0].Release)
	}
	return o
}

func (e *env) migrate(t *testing.T, app string) outcome {
	o := outcome{kind: "migration", app: app}
	st := e.state(t, app, password)
	ctx, cancel := runCtx()
	defer cancel()
	start := time.Now()
	o.err = pipeline.Run(ctx, st, []pipeline.Step{steps.Run{Service: "web", Command: []string{"bin/migrate"}, Limit: time.Minute}})
	o.took = time.Since(start)
	o.execs = e.execCount(app)
	for _, r := range e.sim.Requests() {
		if r.Method == http.MethodPost && r.Path == "/apps/"+app+"/services/web/processes" &&
			(r.Fault == "" || r.Fault == racksim.FaultSlow || r.FaultProcessed) {
			o.created++
		}
	}
	for _, p := range e.sim.Rack("").Processes(app) {
		if p.Command == "sleep 60" {
			o.left++
		}
	}
	if o.execs > 1 {
		o.problem("the migration ran %d times", o.execs)
	}
	if o.err == nil && o.execs != 1 {
		o.problem("success with %d executions", o.execs)
	}
	return o
}

func (e *env) replaceEnv(t *testing.T, app string) outcome {
	o := outcome{kind: "env", app: app}
	rs := e.sim.Rack("")
	before := len(rs.Releases(app))
	st := e.state(t, app, password)
	ctx, cancel := runCtx()
	defer cancel()
	vars := []steps.EnvVar{{Key: "DATABASE_URL", Value: "postgres://app:" + canary + "@db/app"}, {Key: "NODE_ENV", Value: "production"}}
	start := time.Now()
	o.err = pipeline.Run(ctx, st, []pipeline.Step{steps.Env{Vars: vars, Replace: true}})
	o.took = time.Since(start)
	rels := rs.Releases(app)
	o.created = len(rels) - before
	if o.created > 1 {
		o.problem("the Rack saw %d releases", o.created)
	}
	if o.err != nil {
		return o
	}
	if o.created != 1 || rels[0].ID != st.ReleaseID || rels[0].Env != steps.Render(vars) {
		o.problem("success with %d releases (newest %s, reported %s)", o.created, rels[0].ID, st.ReleaseID)
	}
	return o
}

// tally sums the outcomes of one kind.
type tally struct {
	attempted, succeeded  int
	created, promoted     int
	execs, maxExecs, left int
	lostStatus            int // migrations failed after the command ran (exit status lost)
	exact                 int // successes after which the Rack held exactly one of what the unit creates
	errs                  map[string]int
}

func sum(outs []outcome, kind string) tally {
	tl := tally{errs: map[string]int{}}
	for _, o := range outs {
		if o.kind != kind {
			continue
		}
		tl.attempted++
		tl.created += o.created
		tl.promoted += o.promoted
		tl.execs += o.execs
		tl.maxExecs = max(tl.maxExecs, o.execs)
		tl.left += o.left
		if o.err == nil {
			tl.succeeded++
			if o.created == 1 && (o.kind != "deploy" || o.promoted == 1) && (o.kind != "migration" || o.execs == 1) {
				tl.exact++
			}
			continue
		}
		if o.kind == "migration" && o.execs == 1 {
			tl.lostStatus++
		}
		tl.errs[errorClass(o.err)]++
	}
	return tl
}

func (tl tally) share() float64 {
	if tl.attempted == 0 {
		return 1
	}
	return float64(tl.succeeded) / float64(tl.attempted)
}

// errorClass names an error by what decides its exit status.
func errorClass(err error) string {
	var (
		bf *steps.BuildFailedError
		ex *steps.ExitError
		se *rack.StreamError
	)
	switch {
	case err == nil:
		return "none"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline (exit 4)"
	case errors.Is(err, steps.ErrRolledBack):
		return "rolled back (exit 5)"
	case errors.Is(err, rack.ErrUnauthorized):
		return "unauthorized (exit 3)"
	case errors.Is(err, rack.ErrForbidden):
		return "forbidden (exit 3)"
	case errors.As(err, &bf):
		return "build failed (exit 1)"
	case errors.As(err, &ex):
		return fmt.Sprintf("command exited %d (exit 1; run: %d)", ex.Code, ex.Code)
	case errors.Is(err, rack.ErrNotFound):
		return "not found (exit 1)"
	case errors.Is(err, rack.ErrAmbiguous):
		return "ambiguous, unresolved (exit 1)"
	case errors.As(err, &se):
		return "stream cut (exit 1)"
	case errors.Is(err, rack.ErrUnavailable):
		return "unavailable (exit 1)"
	}
	return "other (exit 1)"
}

func formatCounts(m map[string]int) string {
	if len(m) == 0 {
		return "none"
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s: %d", k, m[k])
	}
	return strings.Join(parts, ", ")
}

// detail logs one line of figures (shown with -v, or on failure).
func detail(t *testing.T, format string, args ...any) {
	t.Helper()
	t.Log("reliability: " + fmt.Sprintf(format, args...))
}

// summary prints one line of figures to stdout, for CI output, and appends
// it to $CONVOX_CI_FIGURES when set (go test hides a passing package's
// stdout; .ci/run prints that file).
func summary(format string, args ...any) {
	line := "reliability: " + fmt.Sprintf(format, args...)
	fmt.Println(line)
	if path := os.Getenv("CONVOX_CI_FIGURES"); path != "" {
		if f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
}

func pct(f float64) string { return fmt.Sprintf("%.1f%%", 100*f) }

func TestReliability(t *testing.T) {
	p := chooseProfile()
	var runs []string
	for _, rs := range p.runsAt {
		runs = append(runs, fmt.Sprintf("%.1f/%d", rs.rate, rs.seed))
	}
	summary("profile %s: per run %d deploys, %d migrations, %d env replacements; runs (rate/seed) %s", p.name, p.deploys, p.runs, p.envs, strings.Join(runs, " "))
	for _, rs := range p.runsAt {
		t.Run(fmt.Sprintf("rate=%.1f/seed=%d", rs.rate, rs.seed), func(t *testing.T) {
			t.Parallel()
			runRate(t, p, rs.rate, rs.seed)
		})
	}
}

func runRate(t *testing.T, p profile, rate float64, seed int64) {
	var apps []string
	type unit struct{ kind, app string }
	var units []unit
	add := func(kind, prefix string, n int) {
		for i := range n {
			app := fmt.Sprintf("%s-%03d", prefix, i)
			apps = append(apps, app)
			units = append(units, unit{kind, app})
		}
	}
	add("deploy", "deploy", p.deploys)
	add("migration", "migrate", p.runs)
	add("env", "env", p.envs)
	classes := []struct{ kind, app string }{
		{"bad password", "auth-000"}, {"unknown app", "no-such-app"}, {"failed build", "fail-000"},
		{"rolled back", "rollback-000"}, {"migration exits 3", "exit3-000"},
	}
	for _, c := range classes {
		if c.app != "no-such-app" {
			apps = append(apps, c.app)
		}
	}
	e := newEnv(t, apps, racksim.Faults{Rate: rate, Seed: seed})
	e.sim.FailNextBuild("fail-000", "exit status 2")
	e.sim.RollbackNextPromote("rollback-000")

	start := time.Now()
	outs := make([]outcome, len(units))
	sem := make(chan struct{}, p.concurrency)
	var wg sync.WaitGroup
	for i, u := range units {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			switch u.kind {
			case "deploy":
				outs[i] = e.deploy(t, u.app)
			case "migration":
				outs[i] = e.migrate(t, u.app)
			case "env":
				outs[i] = e.replaceEnv(t, u.app)
			}
		}()
	}

	// Permanent errors, under the same faults: each must end with its own
	// class, or (under faults) an unavailable Rack; never with success.
	classErrs := make([]error, len(classes))
	classTook := make([]time.Duration, len(classes))
	var cwg sync.WaitGroup
	for i, c := range classes {
		cwg.Add(1)
		go func() {
			defer cwg.Done()
			ctx, cancel := runCtx()
			defer cancel()
			pw := password
			if c.kind == "bad password" {
				pw = "wrong-password-0000"
			}
			st := e.state(t, c.app, pw)
			list := []pipeline.Step{steps.Build{Dir: e.dir}, steps.Promote{}}
			if c.kind == "migration exits 3" {
				list = []pipeline.Step{steps.Run{Service: "web", Command: []string{"bin/migrate"}, Limit: time.Minute}}
			}
			began := time.Now()
			classErrs[i] = pipeline.Run(ctx, st, list)
			classTook[i] = time.Since(began)
		}()
	}
	wg.Wait()
	cwg.Wait()
	took := time.Since(start)

	var problems []string
	for _, o := range outs {
		problems = append(problems, o.problems...)
		if o.err != nil {
			t.Logf("%s %s failed: %s", o.kind, o.app, e.secrets.String(o.err.Error()))
		}
	}
	deploys, migrations, envs := sum(outs, "deploy"), sum(outs, "migration"), sum(outs, "env")
	fs := e.sim.FaultStats()
	label := fmt.Sprintf("rate=%.1f seed=%d", rate, seed)
	detail(t, "%s deploys: %d/%d succeeded (%s, floor %s); the Rack saw %d builds and %d promotions for %d deploys (%d successes with exactly 1 build and 1 promotion); failures: %s",
		label, deploys.succeeded, deploys.attempted, pct(deploys.share()), pct(floor("deploy", rate)), deploys.created, deploys.promoted, deploys.attempted, deploys.exact, formatCounts(deploys.errs))
	detail(t, "%s migrations: %d/%d succeeded (%s, floor %s); executions %d (at most %d per run); run processes started %d, left running %d; failed after the command ran (exit status lost): %d; failures: %s",
		label, migrations.succeeded, migrations.attempted, pct(migrations.share()), pct(floor("migration", rate)), migrations.execs, migrations.maxExecs, migrations.created, migrations.left, migrations.lostStatus, formatCounts(migrations.errs))
	detail(t, "%s env replacements: %d/%d succeeded (%s, floor %s); the Rack saw %d releases (%d successes with exactly 1); failures: %s",
		label, envs.succeeded, envs.attempted, pct(envs.share()), pct(floor("env", rate)), envs.created, envs.exact, formatCounts(envs.errs))
	kinds := map[string]int{}
	for k, n := range fs.ByKind {
		name := string(k)
		if pr := fs.Processed[k]; pr > 0 {
			name += fmt.Sprintf(" (%d after the Rack acted)", pr)
		}
		kinds[name] = n
	}
	detail(t, "%s faults: %d of %d requests (%s); create calls faulted: %s; duplicates seen: %d; wall time %s",
		label, fs.Faulted, fs.Considered, formatCounts(kinds), createFaults(fs), duplicates(outs), took.Round(100*time.Millisecond))
	lost, lostOK := lostBuildLogs(e.sim, outs)
	detail(t, "%s lost streams: %d deploys had their build-log stream cut or refused; %d of them went on on the build's status", label, lost, lostOK)
	if lost != lostOK {
		problems = append(problems, fmt.Sprintf("%d deploys with a lost build-log stream failed", lost-lostOK))
	}

	want := map[string]func(error) bool{
		"bad password":      func(err error) bool { return errors.Is(err, rack.ErrUnauthorized) },
		"unknown app":       func(err error) bool { return errors.Is(err, rack.ErrNotFound) },
		"failed build":      func(err error) bool { var bf *steps.BuildFailedError; return errors.As(err, &bf) },
		"rolled back":       func(err error) bool { return errors.Is(err, steps.ErrRolledBack) },
		"migration exits 3": func(err error) bool { var ex *steps.ExitError; return errors.As(err, &ex) && ex.Code == 3 },
	}
	var cls []string
	for i, c := range classes {
		err := classErrs[i]
		cls = append(cls, c.kind+" -> "+errorClass(err))
		switch {
		case err == nil:
			problems = append(problems, c.kind+": reported success")
		case want[c.kind](err):
		case rate > 0 && (errors.Is(err, rack.ErrUnavailable) || isStreamCut(err)):
			// a transient failure met first under faults: still a failure
		default:
			problems = append(problems, fmt.Sprintf("%s: classified as %s: %v", c.kind, errorClass(err), err))
		}
	}
	detail(t, "%s permanent errors: %s", label, strings.Join(cls, "; "))
	// The slowest units say where a run's wall time went (a 30 s lookup
	// window after a lost answer, the promote's grace, a loaded machine).
	type timed struct {
		name string
		took time.Duration
	}
	var all []timed
	for _, o := range outs {
		all = append(all, timed{fmt.Sprintf("%s %s (%s)", o.kind, o.app, errorClass(o.err)), o.took})
	}
	for i, c := range classes {
		all = append(all, timed{fmt.Sprintf("%s %s (%s)", c.kind, c.app, errorClass(classErrs[i])), classTook[i]})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].took > all[j].took })
	var slow []string
	for _, u := range all[:min(3, len(all))] {
		slow = append(slow, fmt.Sprintf("%s %s", u.name, u.took.Round(100*time.Millisecond)))
	}
	detail(t, "%s slowest units: %s", label, strings.Join(slow, "; "))
	summary("%s | deploys %d/%d (%s), %d builds and %d promotions seen | migrations %d/%d (%s), %d executions, max %d per run | env replacements %d/%d (%s), %d releases seen | duplicates %d | lost build-log streams %d, deploys failed by them %d | faults %d of %d requests, %d of them late answers (%d on creations) | permanent errors: %s | %s",
		label, deploys.succeeded, deploys.attempted, pct(deploys.share()), deploys.created, deploys.promoted,
		migrations.succeeded, migrations.attempted, pct(migrations.share()), migrations.execs, migrations.maxExecs,
		envs.succeeded, envs.attempted, pct(envs.share()), envs.created, duplicates(outs), lost, lost-lostOK,
		fs.Faulted, fs.Considered, fs.ByKind[racksim.FaultLate], lateCreates(fs), strings.Join(cls, "; "), took.Round(100*time.Millisecond))

	require.Empty(t, problems, "invariants broken")
	require.GreaterOrEqual(t, deploys.share(), floor("deploy", rate), "deploys: %s", formatCounts(deploys.errs))
	require.GreaterOrEqual(t, migrations.share(), floor("migration", rate), "migrations: %s", formatCounts(migrations.errs))
	require.GreaterOrEqual(t, envs.share(), floor("env", rate), "env replacements: %s", formatCounts(envs.errs))
	if rate == 0 {
		require.Zero(t, fs.Faulted)
	} else {
		require.Positive(t, fs.Faulted)
	}
	if rate >= 0.3 {
		require.Positive(t, lateCreates(fs), "late answers on creations are in the mix")
	}
	for _, out := range [][]byte{e.logs.Bytes(), e.stdout.Bytes()} {
		require.NotContains(t, string(out), canary, "an env value reached the output")
		require.NotContains(t, string(out), password, "the password reached the output")
	}
}

// duplicates counts the units after which the Rack held more than one of
// what the unit creates.
func duplicates(outs []outcome) int {
	n := 0
	for _, o := range outs {
		if (o.kind != "migration" && o.created > 1) || o.promoted > 1 || o.execs > 1 {
			n++
		}
	}
	return n
}

// lostBuildLogs counts the deploys whose build-log stream was cut or
// refused by a fault, and how many of those did not fail because of it (a
// deploy that failed elsewhere, on a promotion, is not counted against it:
// only a stream error reaching the deploy's error is).
func lostBuildLogs(sim *racksim.Server, outs []outcome) (lost, succeeded int) {
	apps := map[string]bool{}
	for _, r := range sim.Requests() {
		if r.WebSocket && strings.Contains(r.Path, "/builds/") && strings.HasSuffix(r.Path, "/logs") &&
			r.Fault != "" && r.Fault != racksim.FaultSlow {
			apps[strings.Split(r.Path, "/")[2]] = true
		}
	}
	for _, o := range outs {
		if o.kind == "deploy" && apps[o.app] {
			lost++
			if !isStreamCut(o.err) {
				succeeded++
			}
		}
	}
	return lost, succeeded
}

func isStreamCut(err error) bool {
	var se *rack.StreamError
	return errors.As(err, &se)
}

// lateCreates counts the late answers on calls that create something.
func lateCreates(fs racksim.FaultStats) int {
	n := 0
	for route, kinds := range fs.ByPath {
		if strings.HasPrefix(route, http.MethodPost+" ") && !strings.Contains(route, "/objects/") {
			n += kinds[racksim.FaultLate]
		}
	}
	return n
}

// createFaults summarises the faults on calls that create something.
func createFaults(fs racksim.FaultStats) string {
	m := map[string]int{}
	for route, kinds := range fs.ByPath {
		method, _, _ := strings.Cut(route, " ")
		if method != http.MethodPost || strings.Contains(route, "/objects/") {
			continue
		}
		for _, n := range kinds {
			m[route] += n
		}
	}
	return formatCounts(m)
}

// TestGiveUpOnARackThatAlwaysAnswers503 measures how long a deploy takes to
// give up when every answer is a 503, with the default retry policy: the
// first call (the source upload) is tried 5 times, waiting 250 ms, 500 ms,
// 1 s and 2 s between tries, about 3.75 s in all.
func TestGiveUpOnARackThatAlwaysAnswers503(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		http.Error(w, "Service Unavailable", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	e := &env{url: srv.URL, dir: appSource(t), logs: &racksimtest.Buffer{}, stdout: &racksimtest.Buffer{}, secrets: report.NewSecrets()}
	e.log = zerolog.New(e.logs)
	st := e.state(t, "myapp", password)
	ctx, cancel := runCtx()
	defer cancel()
	start := time.Now()
	err := pipeline.Run(ctx, st, []pipeline.Step{steps.Build{Dir: e.dir}, steps.Promote{}})
	took := time.Since(start)
	require.ErrorIs(t, err, rack.ErrUnavailable)
	require.False(t, errors.Is(err, context.DeadlineExceeded), "it gave up by itself, not at the deadline")
	require.Equal(t, int32(rack.DefaultRetryMax+1), requests.Load(), "one call, tried 1 + DefaultRetryMax times")
	summary("always-503 Rack: the deploy gave up after %d requests in %s (%s), exit 1", requests.Load(), took.Round(10*time.Millisecond), errorClass(err))
}
