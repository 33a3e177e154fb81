package racksim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/wiretest"
	"github.com/stretchr/testify/require"
)

// scenario prepares a simulator so that a transcript's requests can be
// replayed against it: the apps it needs, the bodies it uploads, and ids
// known in advance (transcript id -> simulator id).
type scenario struct {
	apps     []string
	setup    func(t *testing.T, h *harness, ids map[string]string, sc *replay)
	noWait   bool   // do not wait for the transcript's status before a GET
	skip     string // why the whole transcript cannot be replayed
	failNext string
	exec     func(app, service, command string, stdin []byte) (string, int)
}

// replay holds what a scenario feeds the replay.
type replay struct {
	source   []byte // body of object uploads
	artifact []byte // body of build imports
}

const migrateOutput = "migrating: bin/migrate\n2 migrations pending\nerror: migration 2 failed\n"

func migrate(_, _, _ string, _ []byte) (string, int) { return migrateOutput, 3 }

// makeUpdating leaves app updating for a long while.
func makeUpdating(app string) func(t *testing.T, h *harness, ids map[string]string, sc *replay) {
	return func(t *testing.T, h *harness, _ map[string]string, _ *replay) {
		h.sim.SetRolloutDuration(time.Hour)
		a, ok := h.sim.Rack("").App(app)
		require.True(t, ok)
		r := h.do(req{method: "POST", path: "/apps/" + app + "/releases/" + a.Release + "/promote", form: url.Values{"force": {"true"}}})
		require.Equal(t, 200, r.status)
	}
}

var scenarios = map[string]scenario{
	"rack":                    {},
	"deploy":                  {apps: []string{"myapp"}},
	"build-id":                {apps: []string{"myapp"}},
	"builds":                  {apps: []string{"myapp"}},
	"env-set-replace":         {apps: []string{"myapp"}},
	"env-set-replace-promote": {apps: []string{"myapp"}},
	"builds-export": {apps: []string{"myapp"}, setup: func(t *testing.T, h *harness, ids map[string]string, _ *replay) {
		ids["BQWERTYUIOP"] = h.sim.Rack("").Builds("myapp")[0].ID
	}},
	"builds-import": {apps: []string{"myapp", "myapp2"}, setup: func(t *testing.T, h *harness, _ map[string]string, sc *replay) {
		b := h.sim.Rack("").Builds("myapp")[0]
		exp := h.get("/apps/myapp/builds/" + b.ID + ".tgz")
		require.Equal(t, 200, exp.status)
		sc.artifact = exp.body
	}},
	"releases-promote": {apps: []string{"myapp"}, setup: func(t *testing.T, h *harness, ids map[string]string, _ *replay) {
		ids["RASDFGHJKLZ"] = newRelease(t, h, "myapp", "A=1")
	}},
	"run-exit3":             {apps: []string{"myapp"}, exec: migrate},
	"run-stdin":             {apps: []string{"myapp"}, exec: migrate},
	"run-detach":            {apps: []string{"myapp"}},
	"logs":                  {apps: []string{"myapp"}},
	"err-build-failed":      {apps: []string{"failapp"}, failNext: "exit status 1"},
	"err-bad-password-http": {},
	"err-bad-password-ws":   {apps: []string{"myapp"}},
	"err-unknown-app":       {},
	"err-promote-updating":  {apps: []string{"busyapp"}, setup: makeUpdating("busyapp"), noWait: true},
	"err-json-error":        {apps: []string{"stuckapp"}, setup: makeUpdating("stuckapp"), noWait: true},
	"err-readonly-jwt":      {skip: "JWT users are not simulated"},
}

// TestConformance replays every transcript's requests against the simulator
// and holds each answer to the recorded one: status, content type, the
// server headers, JSON key sets, text bodies, and websocket framing.
func TestConformance(t *testing.T) {
	names, err := wiretest.Names()
	require.NoError(t, err)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			sc, ok := scenarios[name]
			require.True(t, ok, "no scenario for transcript %s", name)
			if sc.skip != "" {
				t.Skip(sc.skip)
			}
			tr := wiretest.MustLoad(t, name)
			h := newHarness(t, Options{Apps: sc.apps, FollowLimit: 50 * time.Millisecond, BuildDuration: 20 * time.Millisecond, RolloutDuration: 20 * time.Millisecond})
			if sc.exec != nil {
				h.sim.OnExec(sc.exec)
			}
			for _, app := range sc.apps {
				if sc.failNext != "" {
					h.sim.FailNextBuild(app, sc.failNext)
				}
			}
			dockerfile := "FROM scratch\nCOPY . /app\n"
			if sc.failNext != "" {
				dockerfile = "FROM scratch\nRUN make\n"
			}
			rp := &replay{source: appSource(t, dockerfile)}
			ids := map[string]string{}
			if sc.setup != nil {
				sc.setup(t, h, ids, rp)
			}
			for _, ex := range tr.Exchanges {
				if ex.Response == nil {
					continue
				}
				if ex.Request.WebSocket {
					replaySocket(t, h, ex, ids)
					continue
				}
				replayHTTP(t, h, ex, ids, rp, sc.noWait)
			}
		})
	}
}

func translate(path string, ids map[string]string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		base, ext, _ := strings.Cut(s, ".")
		if v, ok := ids[base]; ok {
			segs[i] = v
			if ext != "" {
				segs[i] += "." + ext
			}
		}
	}
	return strings.Join(segs, "/")
}

// statusToWaitFor is the recorded status worth waiting for before a GET: a
// finished build, a running process or app. Others (a build still running,
// an app updating) are moments the fast simulator may already have passed.
func statusToWaitFor(recorded map[string]any) string {
	status, _ := recorded["status"].(string)
	_, isBuild := recorded["git-sha"]
	switch {
	case isBuild && (status == rack.BuildComplete || status == rack.BuildFailed):
		return status
	case !isBuild && status == "running":
		return status
	}
	return ""
}

func replayHTTP(t *testing.T, h *harness, ex wiretest.Exchange, ids map[string]string, rp *replay, noWait bool) {
	t.Helper()
	rec := ex.Response
	path := translate(ex.Request.Path, ids)
	target := h.srv.URL + path
	if ex.Request.RawQuery != "" {
		target += "?" + ex.Request.RawQuery
	}
	var recorded any
	_ = json.Unmarshal(rec.Body, &recorded)
	if obj, ok := recorded.(map[string]any); ok && ex.Request.Method == "GET" && !noWait {
		if want := statusToWaitFor(obj); want != "" {
			h.waitJSON(strings.TrimPrefix(target, h.srv.URL), "status", want)
		}
	}

	var body io.Reader
	switch {
	case len(ex.Request.Form) > 0 && strings.HasPrefix(ex.Request.Header.Get("Content-Type"), "application/x-www-form-urlencoded"):
		form := url.Values{}
		for k, vs := range ex.Request.Form {
			for _, v := range vs {
				form.Add(k, translate(v, ids))
			}
		}
		body = strings.NewReader(form.Encode())
	case strings.HasSuffix(ex.Request.Path, "/builds/import"):
		body = bytes.NewReader(rp.artifact)
	case ex.Request.BodyLen > 0:
		body = bytes.NewReader(rp.source)
	}
	hr, err := http.NewRequestWithContext(context.Background(), ex.Request.Method, target, body)
	require.NoError(t, err)
	for k, vs := range ex.Request.Header {
		switch k {
		case "Host", "Content-Length", "Transfer-Encoding", "Accept-Encoding":
			continue
		}
		hr.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(t, err)
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	require.NoError(t, err)

	where := ex.Request.Method + " " + ex.Request.Target
	require.Equal(t, rec.Status, resp.StatusCode, "#%d %s: %s", ex.N, where, got)
	require.Equal(t, rec.Header.Get("Content-Type"), resp.Header.Get("Content-Type"), "#%d %s", ex.N, where)
	for _, name := range []string{"X-Content-Type-Options", "X-Frame-Options", "Www-Authenticate"} {
		require.Equal(t, rec.Header.Get(name), resp.Header.Get(name), "#%d %s: header %s", ex.N, where, name)
	}
	require.Equal(t, len(rec.Header.Get("Request-Id")), len(resp.Header.Get("Request-Id")), "#%d %s: Request-Id", ex.N, where)

	switch {
	case rec.Binary:
		require.NotEmpty(t, got)
	case strings.HasPrefix(rec.Header.Get("Content-Type"), "application/json") && resp.StatusCode < 300:
		var sim any
		require.NoError(t, json.Unmarshal(got, &sim), "#%d %s: %s", ex.N, where, got)
		require.Equal(t, jsonKeys(recorded), jsonKeys(sim), "#%d %s: JSON keys", ex.N, where)
		require.True(t, bytes.HasSuffix(got, []byte("\n")) && bytes.Contains(got, []byte("\n  ")), "#%d %s: indented JSON with a trailing newline", ex.N, where)
		learnIDs(recorded, sim, ids)
	default:
		require.Equal(t, string(rec.Body), string(got), "#%d %s: body", ex.N, where)
	}
}

// jsonKeys is the sorted key set of an object, or of an array's first element.
func jsonKeys(v any) []string {
	if arr, ok := v.([]any); ok {
		if len(arr) == 0 {
			return nil
		}
		v = arr[0]
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	keys := make([]string, 0, len(obj))
	for k := range obj {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// learnIDs maps the recorded ids of an answer to the simulator's.
func learnIDs(recorded, sim any, ids map[string]string) {
	ro, ok1 := recorded.(map[string]any)
	so, ok2 := sim.(map[string]any)
	if !ok1 || !ok2 {
		return
	}
	for _, field := range []string{"id", "release", "build"} {
		rv, _ := ro[field].(string)
		sv, _ := so[field].(string)
		if rv == "" || sv == "" {
			continue
		}
		if _, known := ids[rv]; !known {
			ids[rv] = sv
		}
	}
}

var appLogFrame = regexp.MustCompile(`^\[pod/[a-z0-9-]+/[a-z0-9]+\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z .+\n$`)

func replaySocket(t *testing.T, h *harness, ex wiretest.Exchange, ids map[string]string) {
	t.Helper()
	hdr := http.Header{}
	for k, vs := range ex.Request.Header {
		switch {
		case k == "Host", k == "Connection", k == "Upgrade", k == "Origin", strings.HasPrefix(k, "Sec-Websocket"):
			continue
		}
		hdr[k] = vs
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	path := translate(ex.Request.Path, ids)
	where := "WS " + ex.Request.Target
	conn, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.srv.URL, "http")+path, &websocket.DialOptions{HTTPHeader: hdr})
	require.NoError(t, err, "#%d %s", ex.N, where)
	defer conn.CloseNow()
	require.Equal(t, 101, resp.StatusCode)
	require.Equal(t, headerNames(ex.Response.Header), headerNames(resp.Header), "#%d %s: the 101 carries exactly the recorded headers", ex.N, where)

	for _, f := range ex.ClientFrames() {
		switch f.Opcode {
		case "text":
			require.NoError(t, conn.Write(ctx, websocket.MessageText, f.Payload))
		case "binary":
			require.NoError(t, conn.Write(ctx, websocket.MessageBinary, f.Payload))
		}
	}
	var texts []string
	for {
		typ, data, err := conn.Read(ctx)
		require.NoError(t, err, "#%d %s: the stream must end with the empty binary frame (got %q)", ex.N, where, texts)
		if typ == websocket.MessageBinary {
			require.Empty(t, data, "#%d %s", ex.N, where)
			break
		}
		texts = append(texts, string(data))
	}
	var recorded []string
	for _, f := range ex.ServerFrames() {
		if f.Opcode == "text" {
			recorded = append(recorded, string(f.Payload))
		}
	}
	switch {
	case strings.HasSuffix(ex.Request.Path, "/exec"):
		require.Equal(t, recorded, texts, "#%d %s: exec frames", ex.N, where)
	case strings.Contains(ex.Request.Path, "/builds/"):
		require.Equal(t, strings.Join(recorded, ""), strings.Join(texts, ""), "#%d %s: build log", ex.N, where)
	case len(recorded) == 1 && strings.HasPrefix(recorded[0], "ERROR: "):
		require.Equal(t, recorded, texts, "#%d %s: error frames", ex.N, where)
	default:
		if hdr.Get("Since") != "5s" { // a 5s window may be empty on a slow machine
			require.NotEmpty(t, texts, "#%d %s: log lines", ex.N, where)
		}
		for _, line := range texts {
			require.Regexp(t, appLogFrame, line, "#%d %s", ex.N, where)
		}
	}
}

func headerNames(h http.Header) []string {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, http.CanonicalHeaderKey(k))
	}
	sort.Strings(names)
	return names
}
