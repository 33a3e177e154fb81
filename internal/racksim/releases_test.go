package racksim

import (
	"net/url"
	"testing"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/stretchr/testify/require"
)

func TestReleaseCreateDescribesTheEnvChange(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	steps := []struct {
		name, env, wantDesc string
	}{
		{name: "first env", env: "A=1\nB=2", wantDesc: "env add:A add:B"},
		{name: "change and remove", env: "A=2\nC=3", wantDesc: "env add:C change:A remove:B"},
		{name: "no change keeps the build description", env: "A=2\nC=3", wantDesc: "initial build"},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			r := h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {st.env}}})
			require.Equal(t, 200, r.status)
			var rel rack.Release
			r.json(t, &rel)
			require.Equal(t, st.wantDesc, rel.Description)
			require.Equal(t, st.env, rel.Env)
			require.NotEmpty(t, rel.Build, "the build is forked from the latest release")
			require.Equal(t, defaultManifest, rel.Manifest)
		})
	}
	var list []rack.Release
	h.get("/apps/myapp/releases?limit=1").json(t, &list)
	require.Len(t, list, 1)
	require.Equal(t, "A=2\nC=3", list[0].Env)
}

func TestReleaseCreateFromParentRelease(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	var first, second, third rack.Release
	h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {"A=1"}}}).json(t, &first)
	h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {"A=2"}}}).json(t, &second)
	h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"parent-release": {first.ID}, "description": {"mine"}}}).json(t, &third)
	require.Equal(t, "A=1", third.Env)
	require.Equal(t, "mine", third.Description)
	missing := h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"parent-release": {"RNOPENOPENO"}}})
	require.Equal(t, 500, missing.status, "Kubernetes errors carry no status: the real Rack answers 500")
	require.Equal(t, "releases.convox.com \"rnopenopeno\" not found\n", string(missing.body))
}

func newRelease(t *testing.T, h *harness, app, env string) string {
	t.Helper()
	var rel rack.Release
	h.do(req{method: "POST", path: "/apps/" + app + "/releases", form: url.Values{"env": {env}}}).json(t, &rel)
	return rel.ID
}

func TestPromoteRollsOut(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, RolloutDuration: 200 * time.Millisecond})
	rid := newRelease(t, h, "myapp", "A=1")
	r := h.do(req{method: "POST", path: "/apps/myapp/releases/" + rid + "/promote", form: url.Values{"force": {"false"}}})
	require.Equal(t, 200, r.status)
	require.Equal(t, "ok\n", string(r.body))
	require.Equal(t, "text/plain; charset=utf-8", r.header.Get("Content-Type"))

	var app rack.App
	h.get("/apps/myapp").json(t, &app)
	require.Equal(t, rack.AppUpdating, app.Status)

	busy := h.do(req{method: "POST", path: "/apps/myapp/releases/" + rid + "/promote", form: url.Values{"force": {"false"}}})
	require.Equal(t, 403, busy.status)
	require.Equal(t, "app is currently updating\n", string(busy.body))

	done := h.waitJSON("/apps/myapp", "status", rack.AppRunning)
	require.Equal(t, rid, done["release"])
	require.Equal(t, []string{rid}, h.sim.Rack("").Promotions("myapp"))
	for _, p := range h.sim.Rack("").Processes("myapp") {
		require.Equal(t, rid, p.Release, "old service pods are gone")
		require.Equal(t, rack.ProcessRunning, p.Status)
	}
}

func TestPromoteValidation(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	older := newRelease(t, h, "myapp", "A=1")
	newer := newRelease(t, h, "myapp", "A=2")
	require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/releases/" + newer + "/promote", form: url.Values{"force": {"false"}}}).status)
	h.waitJSON("/apps/myapp", "status", rack.AppRunning)
	tests := []struct {
		name, id, want string
		code           int
	}{
		{name: "older release", id: older, code: 400, want: "can not promote an older release, try rollback\n"},
		{name: "unknown release", id: "RNOPENOPENO", code: 500, want: "releases.convox.com \"rnopenopeno\" not found\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "POST", path: "/apps/myapp/releases/" + tc.id + "/promote", form: url.Values{"force": {"false"}}})
			require.Equal(t, tc.code, r.status)
			require.Equal(t, tc.want, string(r.body))
		})
	}
}

func TestForcePromoteWhileUpdating(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, RolloutDuration: time.Hour})
	first := newRelease(t, h, "myapp", "A=1")
	second := newRelease(t, h, "myapp", "A=2")
	require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/releases/" + first + "/promote", form: url.Values{"force": {"false"}}}).status)
	h.sim.SetRolloutDuration(20 * time.Millisecond)
	r := h.do(req{method: "POST", path: "/apps/myapp/releases/" + second + "/promote", form: url.Values{"force": {"true"}}})
	require.Equal(t, 200, r.status)
	done := h.waitJSON("/apps/myapp", "status", rack.AppRunning)
	require.Equal(t, second, done["release"])
}

func TestRollbackKeepsTheOldRelease(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, RolloutDuration: 100 * time.Millisecond})
	var before rack.App
	h.get("/apps/myapp").json(t, &before)
	rid := newRelease(t, h, "myapp", "A=1")
	h.sim.RollbackNextPromote("myapp")
	require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/releases/" + rid + "/promote", form: url.Values{"force": {"false"}}}).status)
	rb := h.waitJSON("/apps/myapp", "status", rack.AppRollback)
	require.Equal(t, before.Release, rb["release"])
	done := h.waitJSON("/apps/myapp", "status", rack.AppRunning)
	require.Equal(t, before.Release, done["release"])
	require.Equal(t, []string{rid}, h.sim.Rack("").Promotions("myapp"))
}

func TestABadReleaseRollsBackEveryTime(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, RolloutDuration: 20 * time.Millisecond})
	var before rack.App
	h.get("/apps/myapp").json(t, &before)
	bad := newRelease(t, h, "myapp", "A=1")
	h.sim.RollbackNextPromote("myapp")
	promote := func(id string) {
		t.Helper()
		require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/releases/" + id + "/promote", form: url.Values{"force": {"false"}}}).status)
	}
	for i := 0; i < 2; i++ {
		promote(bad) // the app reads updating from here until the rollout ends
		done := h.waitJSON("/apps/myapp", "status", rack.AppRunning)
		require.Equal(t, before.Release, done["release"], "promote %d of the bad release", i+1)
	}
	good := newRelease(t, h, "myapp", "A=2")
	promote(good)
	done := h.waitJSON("/apps/myapp", "status", rack.AppRunning)
	require.Equal(t, good, done["release"], "only the bad release fails")
	require.Equal(t, []string{bad, bad, good}, h.sim.Rack("").Promotions("myapp"))
}

func TestCancelAnUpdate(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, RolloutDuration: time.Hour})
	notUpdating := h.do(req{method: "POST", path: "/apps/myapp/cancel"})
	require.Equal(t, 403, notUpdating.status)
	require.Equal(t, "app is not updating\n", string(notUpdating.body))
	rid := newRelease(t, h, "myapp", "A=1")
	require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/releases/" + rid + "/promote", form: url.Values{"force": {"false"}}}).status)
	h.sim.SetRolloutDuration(10 * time.Millisecond)
	require.Equal(t, "ok\n", string(h.do(req{method: "POST", path: "/apps/myapp/cancel"}).body))
	done := h.waitJSON("/apps/myapp", "status", rack.AppRunning)
	require.NotEqual(t, rid, done["release"])
}
