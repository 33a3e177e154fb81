package racksim

import (
	"bytes"
	"encoding/json"
	"net/url"
	"testing"

	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/stretchr/testify/require"
)

func TestCheckNeedsNoAuth(t *testing.T) {
	h := newHarness(t, Options{})
	r := h.do(req{method: "GET", path: "/check", password: strp("wrong")})
	require.Equal(t, 200, r.status)
	require.Equal(t, "ok", string(r.body))
}

func TestAuthFailures(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	tests := []struct {
		name       string
		accept     string
		user       string
		wantBody   string
		wantCT     string
		wantWWWAut bool
	}{
		{name: "text", accept: "*/*", wantBody: "invalid authentication\n", wantCT: "text/plain; charset=utf-8", wantWWWAut: true},
		{name: "json", accept: "application/json", wantBody: "{\"error\":\"invalid authentication\"}\n", wantCT: "application/json", wantWWWAut: true},
		{name: "jwt user", accept: "*/*", user: "jwt", wantBody: "invalid authentication: jwt not supported by the simulator\n", wantCT: "text/plain; charset=utf-8"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Accept": tc.accept}
			if tc.user != "" {
				hdr["Authorization"] = "Basic " + basic(tc.user, testPassword)
			}
			r := h.do(req{method: "GET", path: "/system", password: strp("wrong"), header: hdr})
			require.Equal(t, 401, r.status)
			require.Equal(t, tc.wantBody, string(r.body))
			require.Equal(t, tc.wantCT, r.header.Get("Content-Type"))
			if tc.wantWWWAut {
				require.Equal(t, `Basic realm="convox"`, r.header.Get("Www-Authenticate"))
			}
			require.Len(t, r.header.Get("Request-Id"), 12)
		})
	}
}

func TestAuthFailureOnWebsocketIsInBand(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	res := h.ws("/apps/myapp/logs", map[string]string{
		"Authorization": "Basic " + basic("convox", "wrong"), "Follow": "false",
	})
	require.True(t, res.ended, "stream must end with the empty binary frame: %v", res.err)
	require.Equal(t, []string{"ERROR: invalid authentication\n"}, res.texts)
}

func TestUnknownRoutes(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	tests := []struct {
		name, method, path string
		want               int
	}{
		{name: "machines", method: "GET", path: "/machines", want: 404},
		{name: "racks on a direct rack", method: "GET", path: "/racks", want: 404},
		{name: "nonsense", method: "GET", path: "/nope/nope", want: 404},
		{name: "plain GET on a websocket path", method: "GET", path: "/apps/myapp/logs", want: 404},
		{name: "known path, other method", method: "DELETE", path: "/system", want: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: tc.method, path: tc.path, password: strp("wrong")})
			require.Equal(t, tc.want, r.status)
			require.Empty(t, r.body)
			require.Empty(t, r.header.Get("Request-Id"))
			require.Empty(t, r.header.Get("X-Frame-Options"))
		})
	}
}

func TestUnknownAppEverywhere(t *testing.T) {
	h := newHarness(t, Options{})
	tests := []struct{ method, path string }{
		{"GET", "/apps/nope"},
		{"GET", "/apps/nope/builds"},
		{"GET", "/apps/nope/builds/BAAAAAAAAAA"},
		{"POST", "/apps/nope/builds"},
		{"GET", "/apps/nope/releases"},
		{"POST", "/apps/nope/releases"},
		{"POST", "/apps/nope/releases/RAAAAAAAAAA/promote"},
		{"GET", "/apps/nope/processes"},
		{"POST", "/apps/nope/services/web/processes"},
		{"POST", "/apps/nope/objects/tmp/x.tgz"},
		{"POST", "/apps/nope/builds/import"},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			r := h.do(req{method: tc.method, path: tc.path, form: url.Values{}})
			require.Equal(t, 404, r.status)
			require.Equal(t, "app not found: nope\n", string(r.body))
			require.Equal(t, "nosniff", r.header.Get("X-Content-Type-Options"))
			require.Equal(t, "DENY", r.header.Get("X-Frame-Options"))
		})
	}
	t.Run("websocket", func(t *testing.T) {
		res := h.ws("/apps/nope/logs", nil)
		require.True(t, res.ended)
		require.Equal(t, []string{"ERROR: app not found: nope\n"}, res.texts)
	})
}

func TestSystem(t *testing.T) {
	h := newHarness(t, Options{Name: "prod", Version: "3.1.0"})
	r := h.get("/system")
	require.Equal(t, 200, r.status)
	require.Equal(t, "application/json", r.header.Get("Content-Type"))
	var sys rack.System
	r.json(t, &sys)
	require.Equal(t, rack.System{
		Domain: "router.prod.example.org", Name: "prod", Provider: "k8s",
		RackDomain: "api.prod.example.org", Status: "running", Version: "3.1.0",
	}, sys)
	require.Equal(t, byte('\n'), r.body[len(r.body)-1])
	require.Contains(t, string(r.body), "{\n  \"count\": 0,")
}

func TestAppCreate(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"old"}})
	tests := []struct {
		name, app, wantBody string
		want                int
	}{
		{name: "new", app: "fresh", want: 200},
		{name: "duplicate", app: "old", want: 409, wantBody: "app already exists: old\n"},
		{name: "reserved", app: "system", want: 400, wantBody: "app name is reserved\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "POST", path: "/apps", form: url.Values{"name": {tc.app}}})
			require.Equal(t, tc.want, r.status)
			if tc.wantBody != "" {
				require.Equal(t, tc.wantBody, string(r.body))
				return
			}
			var a rack.App
			r.json(t, &a)
			require.Equal(t, tc.app, a.Name)
			require.Equal(t, rack.AppRunning, a.Status)
		})
	}
	var apps []rack.App
	h.get("/apps").json(t, &apps)
	require.Len(t, apps, 2)
}

func TestObjects(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	big := bytes.Repeat([]byte{0, 1, 2, 0xff}, 256<<10)
	r := h.do(req{method: "POST", path: "/apps/myapp/objects/tmp/a.tgz", raw: big})
	require.Equal(t, 200, r.status)
	require.Equal(t, "{\n  \"Url\": \"object://myapp/tmp/a.tgz\"\n}\n", string(r.body))
	got, ok := h.sim.Rack("").Object("myapp", "tmp/a.tgz")
	require.True(t, ok)
	require.True(t, bytes.Equal(big, got))
	require.True(t, bytes.Equal(big, h.get("/apps/myapp/objects/tmp/a.tgz").body))
	require.Equal(t, 200, h.do(req{method: "HEAD", path: "/apps/myapp/objects/tmp/a.tgz"}).status)

	bad := h.do(req{method: "POST", path: "/apps/myapp/objects/tmp/../../etc", raw: []byte("x")})
	require.Equal(t, 400, bad.status)
	require.Equal(t, "invalid object key\n", string(bad.body))

	require.Equal(t, "ok\n", string(h.do(req{method: "DELETE", path: "/apps/myapp/objects/tmp/a.tgz"}).body))
	missing := h.get("/apps/myapp/objects/tmp/a.tgz")
	require.Equal(t, 404, missing.status)
	require.Equal(t, "object not found: tmp/a.tgz\n", string(missing.body))
}

func TestRespondOverridesTheNextAnswers(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	h.sim.Respond("GET", "/apps/*", 502, "<html>bad gateway</html>", 2)
	for range 2 {
		r := h.get("/apps/myapp")
		require.Equal(t, 502, r.status)
		require.Equal(t, "text/html; charset=utf-8", r.header.Get("Content-Type"))
	}
	require.Equal(t, 200, h.get("/apps/myapp").status)
}

func TestRequestsAreRecordedWithoutThePassword(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	h.do(req{method: "POST", path: "/apps/myapp/releases?x=1", form: url.Values{"env": {"A=1"}}})
	reqs := h.sim.Requests()
	require.Len(t, reqs, 1)
	got := reqs[0]
	require.Equal(t, "POST", got.Method)
	require.Equal(t, "/apps/myapp/releases?x=1", got.Target)
	require.Equal(t, "/apps/myapp/releases", got.Path)
	require.Equal(t, "A=1", got.Form.Get("env"))
	require.Equal(t, "REDACTED", got.Header.Get("Authorization"))
	data, err := json.Marshal(reqs)
	require.NoError(t, err)
	require.NotContains(t, string(data), basic("convox", testPassword))
}

func TestRandomPassword(t *testing.T) {
	a, b := New(Options{}), New(Options{})
	defer a.Close()
	defer b.Close()
	require.Len(t, a.Password(), 32)
	require.NotEqual(t, a.Password(), b.Password())
}
