package racksim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

const testPassword = "s3cr3t"

// harness is a simulator behind an httptest server.
type harness struct {
	t   *testing.T
	sim *Server
	srv *httptest.Server
}

func newHarness(t *testing.T, opts Options) *harness {
	t.Helper()
	if opts.Password == "" {
		opts.Password = testPassword
	}
	if opts.BuildDuration == 0 {
		opts.BuildDuration = 30 * time.Millisecond
	}
	if opts.RolloutDuration == 0 {
		opts.RolloutDuration = 30 * time.Millisecond
	}
	if opts.ProcessStartDelay == 0 {
		opts.ProcessStartDelay = 5 * time.Millisecond
	}
	sim := New(opts)
	srv := httptest.NewServer(sim)
	t.Cleanup(func() {
		sim.Close()
		srv.Close()
	})
	return &harness{t: t, sim: sim, srv: srv}
}

// reply is a response read whole.
type reply struct {
	status int
	header http.Header
	body   []byte
}

func (r reply) json(t *testing.T, v any) {
	t.Helper()
	require.NoError(t, json.Unmarshal(r.body, v), "body: %s", r.body)
}

// req is one HTTP request: form values go as a form body, raw as an octet-stream body.
type req struct {
	method, path string
	form         url.Values
	raw          []byte
	header       map[string]string
	password     *string
}

func (h *harness) do(r req) reply {
	h.t.Helper()
	var body io.Reader
	ct := "application/octet-stream"
	switch {
	case r.form != nil:
		body = strings.NewReader(r.form.Encode())
		ct = "application/x-www-form-urlencoded"
	case r.raw != nil:
		body = bytes.NewReader(r.raw)
	}
	hr, err := http.NewRequestWithContext(context.Background(), r.method, h.srv.URL+r.path, body)
	require.NoError(h.t, err)
	hr.Header.Set("Content-Type", ct)
	hr.Header.Set("Accept", "*/*")
	pw := testPassword
	if r.password != nil {
		pw = *r.password
	}
	hr.SetBasicAuth("convox", pw)
	for k, v := range r.header {
		hr.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(hr)
	require.NoError(h.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(h.t, err)
	return reply{status: resp.StatusCode, header: resp.Header, body: data}
}

func (h *harness) get(path string) reply { return h.do(req{method: "GET", path: path}) }

// wsResult is what a websocket stream delivered.
type wsResult struct {
	texts  []string
	ended  bool  // the empty binary frame arrived
	err    error // the read error that ended the stream without it
	status int   // the handshake status when the upgrade failed
}

func (w wsResult) joined() string { return strings.Join(w.texts, "") }

// ws opens a websocket, sends the client frames (strings as text; nil as the
// empty binary frame), and reads until the empty binary frame.
func (h *harness) ws(path string, header map[string]string, send ...*string) wsResult {
	h.t.Helper()
	hdr := http.Header{}
	hdr.Set("Authorization", "Basic "+basic("convox", testPassword))
	for k, v := range header {
		hdr.Set(k, v)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	u := "ws" + strings.TrimPrefix(h.srv.URL, "http") + path
	conn, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPHeader: hdr})
	if err != nil {
		require.NotNil(h.t, resp, "dial: %v", err)
		return wsResult{status: resp.StatusCode, err: err}
	}
	defer conn.CloseNow()
	for _, s := range send {
		if s == nil {
			require.NoError(h.t, conn.Write(ctx, websocket.MessageBinary, nil))
			continue
		}
		require.NoError(h.t, conn.Write(ctx, websocket.MessageText, []byte(*s)))
	}
	var res wsResult
	for {
		typ, data, err := conn.Read(ctx)
		if err != nil {
			res.err = err
			return res
		}
		if typ == websocket.MessageBinary && len(data) == 0 {
			res.ended = true
			return res
		}
		res.texts = append(res.texts, string(data))
	}
}

func basic(user, pass string) string {
	r, _ := http.NewRequestWithContext(context.Background(), "GET", "http://x", nil)
	r.SetBasicAuth(user, pass)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func strp(s string) *string { return &s }

// tarball builds a gzip tar of files (name -> content).
func tarball(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, name := range sortedKeys(files) {
		require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(files[name])), Typeflag: tar.TypeReg}))
		_, err := tw.Write([]byte(files[name]))
		require.NoError(t, err)
	}
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}

// appSource is the tiny app of the wire transcripts.
func appSource(t *testing.T, dockerfile string) []byte {
	t.Helper()
	return tarball(t, map[string]string{
		"Dockerfile": dockerfile,
		"convox.yml": defaultManifest,
		"index.js":   "console.log('hi')\n",
	})
}

// upload stores source as an object and starts a build from it.
func (h *harness) startBuild(app string, source []byte, form url.Values) map[string]any {
	h.t.Helper()
	key := "tmp/" + randomHex(15) + ".tgz"
	up := h.do(req{method: "POST", path: "/apps/" + app + "/objects/" + key, raw: source})
	require.Equal(h.t, 200, up.status, "%s", up.body)
	if form == nil {
		form = url.Values{}
	}
	form.Set("url", "object://"+app+"/"+key)
	r := h.do(req{method: "POST", path: "/apps/" + app + "/builds", form: form})
	require.Equal(h.t, 200, r.status, "%s", r.body)
	var b map[string]any
	r.json(h.t, &b)
	return b
}

// waitJSON polls path until field equals want.
func (h *harness) waitJSON(path, field, want string) map[string]any {
	h.t.Helper()
	var last map[string]any
	require.Eventually(h.t, func() bool {
		r := h.get(path)
		last = nil
		if r.status != 200 || json.Unmarshal(r.body, &last) != nil {
			return false
		}
		return last[field] == want
	}, 5*time.Second, 5*time.Millisecond, "%s never had %s=%s (last %v)", path, field, want, last)
	return last
}
