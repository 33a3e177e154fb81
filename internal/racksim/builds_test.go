package racksim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"net/url"
	"strings"
	"testing"

	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/stretchr/testify/require"
)

const wireBuildLog = "Building: .\nStep 1/2 : FROM scratch\nStep 2/2 : COPY . /app\nRunning: docker push\nBuild complete\n"

func TestBuildRunsThenCompletesWithARelease(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	env := h.do(req{method: "POST", path: "/apps/myapp/releases", form: url.Values{"env": {"A=1"}}})
	require.Equal(t, 200, env.status)
	src := appSource(t, "FROM scratch\nCOPY . /app\n")
	b := h.startBuild("myapp", src, url.Values{"description": {"build 0123456789 add"}, "git-sha": {"abc"}})
	require.Equal(t, rack.BuildRunning, b["status"])
	require.Regexp(t, `^B[A-Z]{10}$`, b["id"])
	require.Regexp(t, `^build-[a-z0-9]{5}$`, b["process"])
	require.Equal(t, defaultManifest, b["manifest"])
	id := b["id"].(string)

	logs := h.ws("/apps/myapp/builds/"+id+"/logs", nil)
	require.True(t, logs.ended)
	require.Equal(t, wireBuildLog, logs.joined())

	done := h.waitJSON("/apps/myapp/builds/"+id, "status", rack.BuildComplete)
	rid := done["release"].(string)
	require.Regexp(t, `^R[A-Z]{10}$`, rid)
	require.Equal(t, "build 0123456789 add", done["description"])
	require.Equal(t, "abc", done["git-sha"])

	var rel rack.Release
	h.get("/apps/myapp/releases/"+rid).json(t, &rel)
	require.Equal(t, id, rel.Build)
	require.Equal(t, "A=1", rel.Env, "the env comes from the latest release")
	require.Equal(t, defaultManifest, rel.Manifest)

	rs := h.sim.Rack("")
	require.Equal(t, src, rs.BuildSource("myapp", id))
	require.Equal(t, 1, rs.BuildCreates("myapp"))

	again := h.ws("/apps/myapp/builds/"+id+"/logs", nil)
	require.Equal(t, []string{wireBuildLog}, again.texts, "a finished build's log comes in one frame")
}

func TestBuildLogStreamsWhileRunning(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, BuildDuration: 300 * 1e6})
	b := h.startBuild("myapp", appSource(t, "FROM scratch\nCOPY . /app\n"), nil)
	logs := h.ws("/apps/myapp/builds/"+b["id"].(string)+"/logs", nil)
	require.True(t, logs.ended)
	require.Greater(t, len(logs.texts), 1, "lines arrive as they are written")
	require.Equal(t, wireBuildLog, logs.joined())
	var got rack.Build
	h.get("/apps/myapp/builds/"+b["id"].(string)).json(t, &got)
	require.Equal(t, rack.BuildComplete, got.Status, "the stream ends when the build ends")
}

func TestBuildFailures(t *testing.T) {
	tests := []struct {
		name       string
		source     func(t *testing.T) []byte
		manifest   string
		failReason string
		wantLog    string // exact, or a regexp when it starts with ^
	}{
		{
			name:       "scripted",
			source:     func(t *testing.T) []byte { return appSource(t, "FROM scratch\nRUN make\n") },
			failReason: "exit status 1",
			wantLog:    "Building: .\nStep 1/2 : FROM scratch\nStep 2/2 : RUN make\nERROR: build failed: exit status 1\n",
		},
		{
			name:    "corrupt tarball",
			source:  func(*testing.T) []byte { return []byte("\x1f\x8b\x08\x00EXPORTED-BUILD-ARTIFACT-BYTES") },
			wantLog: "ERROR: invalid source archive: flate: corrupt input before offset 8\n",
		},
		{
			name:    "not gzip",
			source:  func(*testing.T) []byte { return []byte("plain text") },
			wantLog: "ERROR: invalid source archive: gzip: invalid header\n",
		},
		{
			name:    "no convox.yml",
			source:  func(t *testing.T) []byte { return tarball(t, map[string]string{"Dockerfile": "FROM scratch\n"}) },
			wantLog: `^ERROR: open /tmp/\d+/convox\.yml: no such file or directory\n$`,
		},
		{
			name:     "manifest path not in the tarball",
			source:   func(t *testing.T) []byte { return appSource(t, "FROM scratch\n") },
			manifest: "convox2.yml",
			wantLog:  `^ERROR: open /tmp/\d+/convox2\.yml: no such file or directory\n$`,
		},
		{
			name:    "no Dockerfile",
			source:  func(t *testing.T) []byte { return tarball(t, map[string]string{"convox.yml": defaultManifest}) },
			wantLog: "ERROR: no such file: Dockerfile\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, Options{Apps: []string{"failapp"}})
			if tc.failReason != "" {
				h.sim.FailNextBuild("failapp", tc.failReason)
			}
			form := url.Values{}
			if tc.manifest != "" {
				form.Set("manifest", tc.manifest)
			}
			b := h.startBuild("failapp", tc.source(t), form)
			id := b["id"].(string)
			logs := h.ws("/apps/failapp/builds/"+id+"/logs", nil)
			if strings.HasPrefix(tc.wantLog, "^") {
				require.Regexp(t, tc.wantLog, logs.joined())
			} else {
				require.Equal(t, tc.wantLog, logs.joined())
			}
			got := h.waitJSON("/apps/failapp/builds/"+id, "status", rack.BuildFailed)
			require.Empty(t, got["reason"], "the real build runner leaves reason empty: the cause is only in the log")
			require.Empty(t, got["release"])
		})
	}
}

func TestFailNextBuildFailsOnlyOneBuild(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	h.sim.FailNextBuild("myapp", "boom")
	src := appSource(t, "FROM scratch\n")
	first := h.startBuild("myapp", src, nil)
	h.waitJSON("/apps/myapp/builds/"+first["id"].(string), "status", rack.BuildFailed)
	second := h.startBuild("myapp", src, nil)
	h.waitJSON("/apps/myapp/builds/"+second["id"].(string), "status", rack.BuildComplete)
}

func TestBuildOfAMissingObject(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	r := h.do(req{method: "POST", path: "/apps/myapp/builds", form: url.Values{"url": {"object://myapp/tmp/none.tgz"}}})
	require.Equal(t, 404, r.status)
	require.Equal(t, "object not found: tmp/none.tgz\n", string(r.body))
}

func TestMultiServiceBuildLog(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	src := tarball(t, map[string]string{
		"convox.yml":           "services:\n  web:\n    build: .\n  worker:\n    build:\n      path: worker\n      manifest: Dockerfile.w\n  redis:\n    image: redis\n",
		"Dockerfile":           "# comment\nFROM alpine\nRUN apk add \\\n  curl\n",
		"worker/Dockerfile.w":  "FROM alpine\n",
		"worker/unrelated.txt": "x",
	})
	b := h.startBuild("myapp", src, nil)
	logs := h.ws("/apps/myapp/builds/"+b["id"].(string)+"/logs", nil)
	require.Equal(t, "Building: .\nStep 1/2 : FROM alpine\nStep 2/2 : RUN apk add curl\n"+
		"Building: worker\nStep 1/1 : FROM alpine\nRunning: docker push\nRunning: docker push\nBuild complete\n", logs.joined())
}

func TestBuildListIsNewestFirstWithALimit(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	src := appSource(t, "FROM scratch\n")
	var ids []string
	for range 3 {
		ids = append(ids, h.startBuild("myapp", src, nil)["id"].(string))
	}
	var all []rack.Build
	h.get("/apps/myapp/builds").json(t, &all)
	require.Len(t, all, 4, "three builds and the seeded one")
	require.Equal(t, ids[2], all[0].ID)
	var two []rack.Build
	h.get("/apps/myapp/builds?limit=2").json(t, &two)
	require.Equal(t, []string{ids[2], ids[1]}, []string{two[0].ID, two[1].ID})
}

func TestExportImportRoundTrip(t *testing.T) {
	h := newHarness(t, Options{Racks: []string{"org/staging", "org/production"}, Console: true, Apps: []string{"myapp"}})
	staging := map[string]string{"Rack": "org/staging"}
	production := map[string]string{"Rack": "org/production"}
	key := "tmp/src.tgz"
	require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/objects/" + key, raw: appSource(t, "FROM scratch\n"), header: staging}).status)
	r := h.do(req{method: "POST", path: "/apps/myapp/builds", header: staging, form: url.Values{
		"url": {"object://myapp/" + key}, "description": {"build abc feature"}, "git-sha": {"abc123"},
	}})
	var b rack.Build
	r.json(t, &b)
	require.Eventually(t, func() bool {
		var got rack.Build
		h.do(req{method: "GET", path: "/apps/myapp/builds/" + b.ID, header: staging}).json(t, &got)
		return got.Status == rack.BuildComplete
	}, 5e9, 5e6)

	exp := h.do(req{method: "GET", path: "/apps/myapp/builds/" + b.ID + ".tgz", header: staging})
	require.Equal(t, 200, exp.status)
	require.Equal(t, "application/x-gzip", exp.header.Get("Content-Type"))
	again := h.do(req{method: "GET", path: "/apps/myapp/builds/" + b.ID + ".tgz", header: staging})
	require.Equal(t, exp.body, again.body, "export is deterministic")
	require.Equal(t, []string{"build.json", "web." + b.ID + ".tar"}, tarNames(t, exp.body))

	h.do(req{method: "POST", path: "/apps/myapp/releases", header: production, form: url.Values{"env": {"DB=prod"}}})
	imp := h.do(req{method: "POST", path: "/apps/myapp/builds/import", header: production, raw: exp.body})
	require.Equal(t, 200, imp.status, "%s", imp.body)
	var ib rack.Build
	imp.json(t, &ib)
	require.Equal(t, rack.BuildComplete, ib.Status)
	require.NotEqual(t, b.ID, ib.ID)
	require.Equal(t, "build abc feature", ib.Description)
	require.Equal(t, defaultManifest, ib.Manifest)
	require.Empty(t, ib.GitSha, "the real Rack does not copy the git sha")
	var rel rack.Release
	h.do(req{method: "GET", path: "/apps/myapp/releases/" + ib.Release, header: production}).json(t, &rel)
	require.Equal(t, "DB=prod", rel.Env)
	require.Equal(t, ib.ID, rel.Build)
	require.Len(t, h.sim.Rack("org/staging").Builds("myapp"), 2)
	require.Len(t, h.sim.Rack("org/production").Builds("myapp"), 2)
}

func TestImportRejectsWhatIsNotAnArtifact(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	tests := []struct {
		name, want string
		body       func(t *testing.T) []byte
	}{
		{name: "truncated gzip", body: func(*testing.T) []byte { return []byte("\x1f\x8b\x08\x00EXPORTED-BUILD-ARTIFACT-BYTES") }, want: "invalid build artifact: flate: corrupt input before offset 8\n"},
		{name: "no build.json", body: func(t *testing.T) []byte { return tarball(t, map[string]string{"web.B.tar": "x"}) }, want: "invalid build artifact: build.json not found\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "POST", path: "/apps/myapp/builds/import", raw: tc.body(t)})
			require.Equal(t, 400, r.status)
			require.Equal(t, tc.want, string(r.body))
		})
	}
}

func tarNames(t *testing.T, tgz []byte) []string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	require.NoError(t, err)
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		require.NoError(t, err)
		names = append(names, h.Name)
	}
}
