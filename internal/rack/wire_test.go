package rack

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/convox-ci/convox-ci/internal/wiretest"
	"github.com/stretchr/testify/require"
)

// Headers compared between what we send and what the real CLI sent.
var (
	plainHeaders = []string{"Authorization", "Accept", "Content-Type", "Version", "Command", "Release", "Rack"}
	wsHeaders    = []string{"Authorization", "Version", "Command", "Entrypoint", "Tty", "Prefix", "Follow", "Since", "Accept", "Content-Type"}
)

// replay starts a Replayer for the named transcript and a direct client for it.
func replay(t *testing.T, name string, opts ...wiretest.Option) (*wiretest.Transcript, *wiretest.Replayer, *Client) {
	t.Helper()
	tr := wiretest.MustLoad(t, name)
	rp := wiretest.NewReplayer(t, tr, opts...)
	c, _ := directClient(t, rp.URL())
	return tr, rp, c
}

// requireLikeCLI holds every request the Replayer received against the
// recorded request it answered: method, target, headers, form.
func requireLikeCLI(t *testing.T, tr *wiretest.Transcript, rp *wiretest.Replayer) {
	t.Helper()
	require.Empty(t, rp.Unmatched(), "requests the real CLI did not make")
	for _, got := range rp.Received() {
		want := tr.Exchange(got.N).Request
		require.Equal(t, want.Method, got.Method, "#%d", got.N)
		require.Equal(t, want.Target, got.Target, "#%d target", got.N)
		names := plainHeaders
		if want.WebSocket {
			names = wsHeaders
			require.Equal(t, strings.ToLower(rp.URL()), got.Header.Get("Origin"), "#%d Origin", got.N)
			require.Empty(t, got.Header.Get("Sec-Websocket-Protocol"), "#%d no subprotocol", got.N)
			require.Empty(t, got.Header.Get("Sec-Websocket-Extensions"), "#%d no compression", got.N)
		}
		for _, h := range names {
			require.Equal(t, want.Header.Values(h), got.Header.Values(h), "#%d header %s", got.N, h)
		}
		require.True(t, strings.HasPrefix(got.Header.Get("User-Agent"), "convox.go/dev "), "#%d User-Agent %q", got.N, got.Header.Get("User-Agent"))
		if len(want.Form) > 0 {
			require.Equal(t, want.Form, got.Form, "#%d form", got.N)
		}
	}
}

// recorded decodes the recorded JSON answer of the first METHOD path exchange.
func recorded[T any](t *testing.T, tr *wiretest.Transcript, method, path string) T {
	t.Helper()
	ex := tr.First(method, path)
	require.NotZero(t, ex.N, "no %s %s in %s", method, path, tr.Name)
	var v T
	require.NoError(t, json.Unmarshal(ex.Response.Body, &v))
	return v
}

func TestWireDeploy(t *testing.T) {
	tr, rp, c := replay(t, "deploy", wiretest.RepeatLast())
	ctx := context.Background()

	sys, err := c.SystemGet(ctx)
	require.NoError(t, err)
	require.Equal(t, "3.24.9", sys.Version)
	require.Equal(t, recorded[System](t, tr, "GET", "/system"), *sys)

	key := "tmp/d712047a64cbde7e9399a108a5c6cd.tgz"
	obj, err := c.ObjectStore(ctx, "myapp", key, func() (io.Reader, error) { return strings.NewReader("\x1f\x8bsource"), nil })
	require.NoError(t, err)
	require.Equal(t, "object://myapp/"+key, obj.URL)

	b, err := c.BuildCreate(ctx, "myapp", BuildCreateOptions{
		URL:         obj.URL,
		Description: "build 9142cc9266 add web service",
		GitSha:      "9142cc9266ed1f6118bd2af305f29acb185b2c96",
	})
	require.NoError(t, err)
	require.Equal(t, "BQWERTYUIOP", b.ID)
	require.Equal(t, BuildRunning, b.Status)

	var logs bytes.Buffer
	require.NoError(t, c.BuildLogs(ctx, "myapp", b.ID, &logs))
	require.Equal(t, "Building: .\nStep 1/2 : FROM scratch\nStep 2/2 : COPY . /app\nRunning: docker push\nBuild complete\n", logs.String())

	for {
		b, err = c.BuildGet(ctx, "myapp", b.ID)
		require.NoError(t, err)
		if b.Status != BuildRunning {
			break
		}
	}
	require.Equal(t, BuildComplete, b.Status)
	require.Equal(t, "RASDFGHJKLZ", b.Release)

	app, err := c.AppGet(ctx, "myapp")
	require.NoError(t, err)
	require.Equal(t, AppRunning, app.Status)
	require.NoError(t, c.ReleasePromote(ctx, "myapp", b.Release, PromoteOptions{}))

	ps, err := c.ProcessList(ctx, "myapp")
	require.NoError(t, err)
	require.Len(t, ps, 1)
	require.Equal(t, "web-5f7c9-abcde", ps[0].ID)

	var appLogs bytes.Buffer
	require.NoError(t, c.AppLogs(ctx, "myapp", LogsOptions{Follow: true, Since: 5 * time.Second}, &appLogs))
	require.Equal(t, "[pod/web-5f7c9-abcde/myapp] 2026-11-22T12:00:01.000000000Z listening on :3000\n", appLogs.String())

	requireLikeCLI(t, tr, rp)
	// the upload is streamed (chunked), as the contract asks, where the CLI sent a Content-Length
	for _, got := range rp.Received() {
		if got.Method == "POST" && strings.HasPrefix(got.Target, "/apps/myapp/objects/") {
			require.Equal(t, "\x1f\x8bsource", string(got.Body))
		}
	}
}

func TestWireRunExit3(t *testing.T) {
	tr, rp, c := replay(t, "run-exit3")
	ctx := context.Background()

	p, err := c.ProcessStart(ctx, "myapp", "web", ProcessRunOptions{Command: "sleep 3600"})
	require.NoError(t, err)
	require.Equal(t, ProcessPending, p.Status)
	for range 2 {
		p, err = c.ProcessGet(ctx, "myapp", p.ID)
		require.NoError(t, err)
		require.Equal(t, ProcessRunning, p.Status)
	}
	var out bytes.Buffer
	code, err := c.ProcessExec(ctx, "myapp", p.ID, "bin/migrate", ExecOptions{Entrypoint: true}, nil, &out)
	require.NoError(t, err)
	require.Equal(t, 3, code)
	require.Equal(t, tr.Stdout, out.String())
	require.NoError(t, c.ProcessStop(ctx, "myapp", p.ID))

	requireLikeCLI(t, tr, rp)
	// run.ProcessStart sends an empty body with Content-Length: 0
	start := rp.Received()[0]
	require.Empty(t, start.Body)
	require.Equal(t, "application/octet-stream", start.Header.Get("Content-Type"))
	// the exec stream got the empty binary frame (stdin EOF) first, as from the CLI
	require.Eventually(t, func() bool {
		for _, got := range rp.Received() {
			if strings.HasSuffix(got.Target, "/exec") {
				return len(got.Frames) == 1 && got.Frames[0].Opcode == "binary" && got.Frames[0].Len == 0
			}
		}
		return false
	}, 5*time.Second, 10*time.Millisecond)
}

func TestWireRunDetach(t *testing.T) {
	tr, rp, c := replay(t, "run-detach")
	p, err := c.ProcessStart(context.Background(), "myapp", "web", ProcessRunOptions{Command: "bin/migrate"})
	require.NoError(t, err)
	require.Equal(t, "web-5f7c9-abcde", p.ID)
	requireLikeCLI(t, tr, rp)
}

func TestWireLogs(t *testing.T) {
	tr, rp, c := replay(t, "logs")
	var out bytes.Buffer
	require.NoError(t, c.AppLogs(context.Background(), "myapp", LogsOptions{Since: time.Minute}, &out))
	require.Equal(t, tr.Stdout, out.String())
	requireLikeCLI(t, tr, rp)
}

func TestWireBuildsImport(t *testing.T) {
	tr, rp, c := replay(t, "builds-import")
	ctx := context.Background()
	_, err := c.SystemGet(ctx)
	require.NoError(t, err)
	artifact := "\x1f\x8b\x08\x00EXPORTED-BUILD-ARTIFACT-BYTES"
	b, err := c.BuildImport(ctx, "myapp2", strings.NewReader(artifact))
	require.NoError(t, err)
	require.Equal(t, "RIMPORTEDAA", b.Release)
	require.Equal(t, BuildComplete, b.Status)
	requireLikeCLI(t, tr, rp)
	require.Equal(t, artifact, string(rp.Received()[1].Body))
}

func TestWireBuildsExport(t *testing.T) {
	tr, rp, c := replay(t, "builds-export")
	var out bytes.Buffer
	require.NoError(t, c.BuildExport(context.Background(), "myapp", "BQWERTYUIOP", &out))
	require.Equal(t, tr.First("GET", "/apps/myapp/builds/BQWERTYUIOP.tgz").Response.Body, out.Bytes())
	requireLikeCLI(t, tr, rp)
}

func TestWireBuildsList(t *testing.T) {
	tr, rp, c := replay(t, "builds")
	bs, err := c.BuildList(context.Background(), "myapp", 0)
	require.NoError(t, err)
	require.Len(t, bs, 2)
	require.Equal(t, "BQWERTYUIOP", bs[0].ID)
	require.Equal(t, recorded[[]Build](t, tr, "GET", "/apps/myapp/builds"), bs)
	requireLikeCLI(t, tr, rp)
}

func TestWireEnvSetReplace(t *testing.T) {
	tr, rp, c := replay(t, "env-set-replace")
	ctx := context.Background()
	_, err := c.SystemGet(ctx)
	require.NoError(t, err)
	env := "A=1\nB=2"
	r, err := c.ReleaseCreate(ctx, "myapp", ReleaseCreateOptions{Env: &env})
	require.NoError(t, err)
	require.Equal(t, "RENVSETABCD", r.ID)
	require.Equal(t, env, r.Env)
	requireLikeCLI(t, tr, rp)
}

func TestWireReleasesPromote(t *testing.T) {
	tr, rp, c := replay(t, "releases-promote")
	ctx := context.Background()
	_, err := c.AppGet(ctx, "myapp")
	require.NoError(t, err)
	require.NoError(t, c.ReleasePromote(ctx, "myapp", "RASDFGHJKLZ", PromoteOptions{}))
	requireLikeCLI(t, tr, rp)
}

func TestWireBuildFailedLogIsText(t *testing.T) {
	tr, rp, c := replay(t, "err-build-failed")
	var out bytes.Buffer
	require.NoError(t, c.BuildLogs(context.Background(), "failapp", "BQWERTYUIOP", &out))
	require.Contains(t, out.String(), "ERROR: build failed: exit status 1\n")
	var b *Build
	for b == nil || b.Status == BuildRunning {
		var err error
		b, err = c.BuildGet(context.Background(), "failapp", "BQWERTYUIOP")
		require.NoError(t, err)
	}
	require.Equal(t, BuildFailed, b.Status)
	// The recording's reason was made up by its stand-in provider: the real
	// build runner leaves reason empty (the cause is the log's ERROR: line),
	// so it is not asserted here.
	requireLikeCLI(t, tr, rp)
}

func TestWireErrors(t *testing.T) {
	ctx := context.Background()
	tests := map[string]struct {
		transcript string
		password   string
		call       func(c *Client) error
		kind       Kind
		sentinel   error
		status     int
		message    string
	}{
		"bad password on HTTP": {
			transcript: "err-bad-password-http", password: "wrong",
			call:     func(c *Client) error { _, err := c.SystemGet(ctx); return err },
			kind:     Unauthorized,
			sentinel: ErrUnauthorized, status: 401, message: "invalid authentication",
		},
		"bad password on a websocket": {
			transcript: "err-bad-password-ws", password: "wrong",
			call: func(c *Client) error {
				var out bytes.Buffer
				err := c.AppLogs(ctx, "myapp", LogsOptions{Since: time.Minute}, &out)
				if out.Len() > 0 {
					return errors.New("the ERROR: frame was written out: " + out.String())
				}
				return err
			},
			kind:     Unauthorized,
			sentinel: ErrUnauthorized, status: 0, message: "invalid authentication",
		},
		"unknown app": {
			transcript: "err-unknown-app",
			call:       func(c *Client) error { _, err := c.BuildList(ctx, "nope", 0); return err },
			kind:       NotFound,
			sentinel:   ErrNotFound, status: 404, message: "app not found: nope",
		},
		"promote while updating is a conflict, not a permission error": {
			transcript: "err-promote-updating",
			call: func(c *Client) error {
				if _, err := c.AppGet(ctx, "busyapp"); err != nil {
					return err
				}
				return c.ReleasePromote(ctx, "busyapp", "RASDFGHJKLZ", PromoteOptions{})
			},
			kind:     Conflict,
			sentinel: ErrConflict, status: 403, message: "app is currently updating",
		},
		"JSON error body": {
			transcript: "err-json-error",
			call:       func(c *Client) error { _, err := c.AppGet(ctx, "nope"); return err },
			kind:       NotFound,
			sentinel:   ErrNotFound, status: 404, message: "app not found: nope",
		},
		"JSON conflict": {
			transcript: "err-json-error",
			call:       func(c *Client) error { return c.ReleasePromote(ctx, "stuckapp", "RASDFGHJKLZ", PromoteOptions{}) },
			kind:       Conflict,
			sentinel:   ErrConflict, status: 403, message: "app is currently updating",
		},
		"JSON bad password": {
			transcript: "err-json-error", password: "wrong",
			call:     func(c *Client) error { _, err := c.SystemGet(ctx); return err },
			kind:     Unauthorized,
			sentinel: ErrUnauthorized, status: 401, message: "invalid authentication",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tr := wiretest.MustLoad(t, tc.transcript)
			rp := wiretest.NewReplayer(t, tr)
			cfg, logs := testConfig(rp.URL())
			if tc.password != "" {
				cfg.RackURL = strings.Replace(cfg.RackURL, testPassword, tc.password, 1)
			}
			err := tc.call(newTestClient(t, cfg))
			require.Error(t, err)
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.kind, e.Kind, e.Error())
			require.ErrorIs(t, err, tc.sentinel)
			require.Equal(t, tc.status, e.Status)
			require.Equal(t, tc.message, e.Message)
			require.Contains(t, err.Error(), tc.message)
			require.NotContains(t, err.Error(), testPassword)
			require.NotContains(t, logs.String(), testPassword)
			if tc.kind == Conflict {
				require.NotErrorIs(t, err, ErrForbidden)
			}
			require.Empty(t, rp.Unmatched())
		})
	}
}

func TestWireReadOnlyJWT(t *testing.T) {
	tr := wiretest.MustLoad(t, "err-readonly-jwt")
	rp := wiretest.NewReplayer(t, tr)
	// the token as the CLI sent it, from the recorded Authorization header
	auth := tr.First("GET", "/system").Request.Header.Get("Authorization")
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(auth, "Basic "))
	require.NoError(t, err)
	user, token, ok := strings.Cut(string(raw), ":")
	require.True(t, ok)
	require.Equal(t, "jwt", user)

	cfg, _ := testConfig(rp.URL())
	cfg.RackURL = strings.Replace(rp.URL(), "://", "://jwt:"+token+"@", 1)
	c := newTestClient(t, cfg)
	ctx := context.Background()
	_, err = c.SystemGet(ctx)
	require.NoError(t, err)
	env := "A=1"
	_, err = c.ReleaseCreate(ctx, "myapp", ReleaseCreateOptions{Env: &env})
	require.ErrorIs(t, err, ErrForbidden, "a 401 'you are unauthorized to access this' is a permission refusal")
	require.NotErrorIs(t, err, ErrUnauthorized)
	require.NotContains(t, err.Error(), token)
	requireLikeCLI(t, tr, rp)
}
