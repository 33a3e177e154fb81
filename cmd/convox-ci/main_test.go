package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
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

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
)

const (
	testPassword = "test-password-5f3a9c"
	testApp      = "myapp"
)

// testEnv is one test's environment, the only one Main reads (so nothing
// of the machine leaks in and tests run in parallel), and, from newRack,
// the simulated Rack it points at.
type testEnv struct {
	mu   sync.Mutex
	vars map[string]string
	sim  *racksim.Server // newRack only
	url  string
}

// newEnv is an environment with a home of its own (no saved Convox login)
// and debug logs as JSON (the canary checks that even debug logs keep
// secrets out).
func newEnv(t *testing.T) *testEnv {
	t.Helper()
	home := t.TempDir()
	return &testEnv{vars: map[string]string{
		"HOME":                 home,
		"XDG_CONFIG_HOME":      filepath.Join(home, ".config"),
		"CONVOX_CI_LOG_FORMAT": "json",
		"CONVOX_CI_LOG_LEVEL":  "debug",
	}}
}

// set sets a variable; "" unsets it, as Main counts empty as unset.
func (e *testEnv) set(k, v string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.vars[k] = v
}

func (e *testEnv) getenv(k string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.vars[k]
}

// environ is the environment of a child process: the test's variables,
// plus PATH so that programs are found.
func (e *testEnv) environ() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := []string{"PATH=" + os.Getenv("PATH")}
	for k, v := range e.vars {
		out = append(out, k+"="+v)
	}
	return out
}

// newRack starts a simulated Rack served over plain HTTP, with the
// environment pointing convox-ci at it.
func newRack(t *testing.T, opts racksim.Options) *testEnv {
	t.Helper()
	e := newEnv(t)
	if opts.Password == "" {
		opts.Password = testPassword
	}
	if opts.Apps == nil {
		opts.Apps = []string{testApp}
	}
	e.sim, e.url = racksimtest.Start(t, opts)
	e.set("CONVOX_HOST", e.url)
	e.set("CONVOX_PASSWORD", opts.Password)
	e.set("CONVOX_APP", testApp)
	return e
}

type result struct {
	code           int
	stdout, stderr string
}

// run runs Main in the test's environment.
func (e *testEnv) run(t *testing.T, stdin io.Reader, args ...string) result {
	t.Helper()
	var out, errOut bytes.Buffer
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	code := Main(context.Background(), args, e.getenv, stdin, &out, &errOut)
	canary.add(t.Name()+" stdout", out.Bytes())
	canary.add(t.Name()+" stderr", errOut.Bytes())
	return result{code: code, stdout: out.String(), stderr: errOut.String()}
}

// appDir writes a small app with a .dockerignore.
func appDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"Dockerfile":         "FROM scratch\nCOPY . /app\n",
		"convox.yml":         "services:\n  web:\n    build: .\n    port: 3000\n",
		".dockerignore":      "*.log\nnode_modules\nsecret/\n!secret/keep.txt\n",
		"index.js":           "console.log('hi')\n",
		"debug.log":          "noise\n",
		"node_modules/x.js":  "x\n",
		"secret/key.pem":     "KEY\n",
		"secret/keep.txt":    "kept\n",
		"src/app/handler.js": "h\n",
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	}
	return dir
}

func tarEntries(t *testing.T, tgz []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(tgz))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		if h.Typeflag == tar.TypeReg {
			names = append(names, h.Name)
		}
	}
	sort.Strings(names)
	return names
}

func TestDeployUploadsTheTreeMinusDockerignoreMatches(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)

	builds := rk.sim.Rack("").Builds(testApp)
	require.NotEmpty(t, builds)
	src := rk.sim.Rack("").BuildSource(testApp, builds[0].ID)
	require.Equal(t, []string{".dockerignore", "Dockerfile", "convox.yml", "index.js", "secret/keep.txt", "src/app/handler.js"}, tarEntries(t, src))
}

func TestDeployStreamsBuildLogLinesIntoTheLog(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stderr, `"message":"Step 1/2 : FROM scratch"`)
	require.Contains(t, res.stderr, `"message":"Step 2/2 : COPY . /app"`)
	require.Contains(t, res.stderr, `"stream":"build"`)
}

func TestDeployPromotesTheReleaseTheBuildProduced(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", "--id", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)

	state := rk.sim.Rack("")
	builds := state.Builds(testApp)
	release := builds[0].Release
	require.NotEmpty(t, release)
	require.Equal(t, release, res.stdout, "--id prints only the release id")
	promos := state.Promotions(testApp)
	require.Equal(t, release, promos[len(promos)-1])
	app, _ := state.App(testApp)
	require.Equal(t, release, app.Release)
	require.Equal(t, "running", app.Status)
}

func TestBuildIDPrintsOnlyTheReleaseAndDoesNotPromote(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	before := len(rk.sim.Rack("").Promotions(testApp))
	res := rk.run(t, nil, "build", "--id", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	require.Regexp(t, `^R[A-Z]{10}$`, res.stdout)
	require.Len(t, rk.sim.Rack("").Promotions(testApp), before)
}

func TestFailedBuildExits1WithTheRacksMessage(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.sim.FailNextBuild(testApp, "exit status 2 in RUN make")
	before := len(rk.sim.Rack("").Promotions(testApp))
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "exit status 2 in RUN make")
	require.Len(t, rk.sim.Rack("").Promotions(testApp), before, "a failed build is never promoted")
}

func TestRolledBackReleaseExits5(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.sim.RollbackNextPromote(testApp)
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 5, res.code, res.stderr)
	require.Contains(t, res.stderr, "rolled back")
}

func TestWrongPasswordExits3AndNamesTheHost(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.set("CONVOX_PASSWORD", "wrong-password-123")
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 3, res.code, res.stderr)
	require.Contains(t, res.stderr, strings.TrimPrefix(rk.url, "http://"))
	require.Contains(t, res.stderr, "invalid authentication")
	require.Contains(t, res.stderr, "If the Rack's API key was rolled", "the next step to take")
	require.NotContains(t, res.stderr, "wrong-password-123")
}

func TestDeadlineExits4(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.sim.SetBuildDuration(time.Minute)
	res := rk.run(t, nil, "deploy", "--timeout", "1s", appDir(t))
	require.Equal(t, 4, res.code, res.stderr)
	require.Contains(t, res.stderr, "deadline")
}

func TestConsoleSendsTheRackSelection(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{Console: true, Racks: []string{"org/staging", "org/production"}})
	rk.set("CONVOX_RACK", "org/production")
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)

	sawRacks := false
	for _, r := range rk.sim.Requests() {
		if r.Path == "/racks" {
			sawRacks = true
			require.Empty(t, r.Header.Get("Rack"), "the rack list is asked for without a Rack header")
			continue
		}
		if r.Path == "/machines" {
			continue
		}
		require.Equal(t, "org/production", r.Rack, "%s %s", r.Method, r.Path)
	}
	require.True(t, sawRacks)
	require.NotEmpty(t, rk.sim.Rack("org/production").Builds(testApp))
	require.Len(t, rk.sim.Rack("org/staging").Builds(testApp), 1, "staging keeps only its seeded build")
}

func TestMissingPasswordIsAUsageErrorAndSendsNothing(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.set("CONVOX_PASSWORD", "")
	res := rk.run(t, nil, "deploy", appDir(t))
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "CONVOX_PASSWORD")
	require.Empty(t, rk.sim.Requests())
}

func TestUnknownAppExits1WithTheRacksMessage(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	res := rk.run(t, nil, "deploy", "--app", "nope", appDir(t))
	require.Equal(t, 1, res.code, res.stderr)
	require.Contains(t, res.stderr, "app not found: nope")
}

func TestSelfSignedRackIsRefusedByDefaultAndTrustedWithCAFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	sim := racksim.New(racksim.Options{Password: testPassword, Apps: []string{testApp}})
	s, err := serveSim(context.Background(), sim, "127.0.0.1:0", false)
	require.NoError(t, err)
	t.Cleanup(s.close)
	e.set("CONVOX_HOST", s.url)
	e.set("CONVOX_PASSWORD", testPassword)
	e.set("CONVOX_APP", testApp)

	res := e.run(t, nil, "rack")
	require.NotEqual(t, 0, res.code)
	require.Contains(t, res.stderr, "--ca-file")
	require.Contains(t, res.stderr, "--insecure-skip-verify")

	res = e.run(t, nil, "rack", "--ca-file", s.caFile)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "running")
}

func TestVersion(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.run(t, nil, "version")
	require.Equal(t, 0, res.code)
	require.Equal(t, "convox-ci dev\n", res.stdout)
}

// CONVOX_CI_COMMAND is split as a shell splits words, the same way as a
// rules file's command: inside double quotes \n stays \n.
func TestCommandFromEnvironmentIsSplitAsAShellWould(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	var ran []string
	rk.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		ran = append(ran, command)
		return "", 0
	})
	rk.set("CONVOX_CI_COMMAND", `run web "printf '\n%s' a\ b"`)
	res := rk.run(t, nil)
	require.Equal(t, 0, res.code, res.stderr)
	require.Equal(t, []string{`printf '\n%s' a\ b`}, ran)
}

func TestCommandFromEnvironment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.set("INPUT_COMMAND", "version")
	res := e.run(t, nil)
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "convox-ci dev")
}

func TestRackURLCarriesTheCredentials(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	rk.set("CONVOX_HOST", "")
	rk.set("CONVOX_PASSWORD", "")
	rk.set("RACK_URL", strings.Replace(rk.url, "http://", "http://convox:"+testPassword+"@", 1))
	res := rk.run(t, nil, "deploy", "--id", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	for _, r := range rk.sim.Requests() {
		require.Empty(t, r.Rack, "RACK_URL is direct: no Rack header")
	}
}

// RACK_URL exported for the whole job (as v3 CLI users set it) is ambient:
// a host the step's input (GitHub's with:, Drone's settings:) or the
// command line gives is more specific and wins, as every input wins over
// its CONVOX_* variable; the ambient Rack receives nothing. Given at the
// same level, RACK_URL still wins over CONVOX_HOST.
func TestAStepsHostWinsOverAnAmbientRackURL(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	ambient := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(ambient.Close)
	ambientURL := strings.Replace(ambient.URL, "http://", "http://convox:"+testPassword+"@", 1)
	for name, given := range map[string]struct {
		env  map[string]string
		args []string
	}{
		"GitHub inputs":  {env: map[string]string{"INPUT_HOST": "rack", "INPUT_PASSWORD": testPassword}},
		"Drone settings": {env: map[string]string{"PLUGIN_HOST": "rack", "PLUGIN_PASSWORD": testPassword}},
		"flags":          {args: []string{"--host", "rack", "--password", testPassword}},
	} {
		t.Run(name, func(t *testing.T) {
			rk := newRack(t, racksim.Options{})
			url := rk.url
			rk.set("CONVOX_HOST", "")
			rk.set("CONVOX_PASSWORD", "")
			rk.set("RACK_URL", ambientURL)
			for k, v := range given.env {
				if v == "rack" {
					v = url
				}
				rk.set(k, v)
			}
			args := []string{"deploy", "--id", appDir(t)}
			for _, a := range given.args {
				if a == "rack" {
					a = url
				}
				args = append(args, a)
			}
			res := rk.run(t, nil, args...)
			require.Equal(t, 0, res.code, res.stderr)
			require.Equal(t, rk.sim.Rack("").Builds(testApp)[0].Release, res.stdout, "the step's Rack was deployed to")
			require.Contains(t, res.stderr, `"over":"RACK_URL"`, "the log says the ambient RACK_URL was overridden")
		})
	}
	require.Zero(t, hits.Load(), "the ambient RACK_URL's Rack received requests")

	rk := newRack(t, racksim.Options{})
	rk.set("CONVOX_HOST", ambient.URL) // ambient too: RACK_URL wins over it
	rk.set("RACK_URL", strings.Replace(rk.url, "http://", "http://convox:"+testPassword+"@", 1))
	res := rk.run(t, nil, "deploy", "--id", appDir(t))
	require.Equal(t, 0, res.code, res.stderr)
	require.Zero(t, hits.Load(), "CONVOX_HOST's Rack received requests")
}

func TestHostURLWithTheKeyWorksAndKeepsItSecret(t *testing.T) {
	t.Parallel()
	rk := newRack(t, racksim.Options{})
	withKey := strings.Replace(rk.url, "http://", "http://convox:"+testPassword+"@", 1)
	rk.set("CONVOX_HOST", withKey)
	rk.set("CONVOX_PASSWORD", "")
	res := rk.run(t, nil, "rack")
	require.Equal(t, 0, res.code, res.stderr)

	rk.set("CONVOX_HOST", "http://convox:@127.0.0.1:1")
	res = rk.run(t, nil, "rack")
	require.Equal(t, 2, res.code, res.stderr)
	require.Contains(t, res.stderr, "CONVOX_HOST is set (127.0.0.1:1)")
}

// The README's main command: with nothing configured, demo deploys the
// example app to a simulated Rack it starts itself (over HTTPS, trusted
// through its own CA file) and prints the ids.
func TestDemoDeploysTheExampleAppWithNothingConfigured(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	dir, err := filepath.Abs("../../examples/app")
	require.NoError(t, err)
	res := e.run(t, nil, "demo", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Regexp(t, `(?m)^Build:   B[A-Z]{10}\nRelease: R[A-Z]{10}\n\z`, res.stdout, "the ids close the output")
	require.Contains(t, res.stdout, "running: bin/migrate", "the migration ran on the new release")
	require.Contains(t, res.stderr, "deploying to a simulated Rack")
	require.Contains(t, res.stderr, `"message":"release promoted and running"`)
}

// demo never talks to a configured Rack: with the host, key, Rack URL,
// rack, app, CA file and a saved login all pointing at a real listening
// server, that server receives nothing and the example app is deployed to
// the simulated Rack.
func TestDemoSendsNothingToAConfiguredRack(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var hits atomic.Int64
	real := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusTeapot)
	}))
	t.Cleanup(real.Close)
	e.set("CONVOX_HOST", real.URL)
	e.set("CONVOX_PASSWORD", testPassword)
	e.set("CONVOX_APP", "production-app")
	e.set("CONVOX_RACK", "org/production")
	e.set("RACK_URL", strings.Replace(real.URL, "http://", "http://convox:"+testPassword+"@", 1))
	e.set("CONVOX_CA_FILE", filepath.Join(t.TempDir(), "no-such-ca.pem"))
	cfg := t.TempDir()
	e.set("CONVOX_CONFIG", cfg)
	require.NoError(t, os.WriteFile(filepath.Join(cfg, "console"), []byte(real.URL), 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(cfg, "auth"), []byte(`{"`+real.URL+`":"`+testPassword+`"}`), 0o600))

	dir, err := filepath.Abs("../../examples/app")
	require.NoError(t, err)
	res := e.run(t, nil, "demo", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Zero(t, hits.Load(), "the configured Rack received requests")
	require.Regexp(t, `(?m)^Build:   B[A-Z]{10}\nRelease: R[A-Z]{10}\n\z`, res.stdout)
	require.Contains(t, res.stderr, `"app":"example-app"`)
	for _, name := range []string{"CONVOX_HOST", "CONVOX_PASSWORD", "RACK_URL", "CONVOX_RACK", "CONVOX_APP", "CONVOX_CA_FILE"} {
		require.Contains(t, res.stderr, `"`+name+`"`, "the log names the ignored setting %s", name)
	}

	res = e.run(t, nil, "demo", "--host", real.URL, "--app", "production-app", dir)
	require.Equal(t, 0, res.code, res.stderr)
	require.Zero(t, hits.Load(), "flags do not redirect demo either")
}
