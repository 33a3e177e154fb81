package rack

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewEndpoints(t *testing.T) {
	tests := map[string]struct {
		cfg      Config
		target   string // the URL of GET /system
		ws       string // the websocket URL of /apps/a/logs
		host     string
		user, pw string
		console  bool
	}{
		"bare Console host": {
			cfg:    Config{Host: "console.convox.com", Password: "key", Rack: "acme/staging"},
			target: "https://console.convox.com/system?", ws: "wss://console.convox.com/apps/a/logs",
			host: "console.convox.com", user: "convox", pw: "key", console: true,
		},
		"bare host with port": {
			cfg:    Config{Host: "rack.example.org:5443", Password: "pw"},
			target: "https://rack.example.org:5443/system?", ws: "wss://rack.example.org:5443/apps/a/logs",
			host: "rack.example.org:5443", user: "convox", pw: "pw",
		},
		"http kept": {
			cfg:    Config{Host: "http://127.0.0.1:8080", Password: "pw"},
			target: "http://127.0.0.1:8080/system?", ws: "ws://127.0.0.1:8080/apps/a/logs",
			host: "127.0.0.1:8080", user: "convox", pw: "pw",
		},
		"path prefix kept, trailing slash dropped": {
			cfg:    Config{Host: "https://proxy.example.org/convox/", Password: "pw"},
			target: "https://proxy.example.org/convox/system?", ws: "wss://proxy.example.org/convox/apps/a/logs",
			host: "proxy.example.org", user: "convox", pw: "pw",
		},
		"scheme and host lowercased": {
			cfg:    Config{Host: "HTTPS://Rack.Example.ORG", Password: "pw"},
			target: "https://rack.example.org/system?", ws: "wss://rack.example.org/apps/a/logs",
			host: "rack.example.org", user: "convox", pw: "pw",
		},
		"RACK_URL with the rack password": {
			cfg:    Config{RackURL: "https://convox:KEY@api.rack.example.org"},
			target: "https://api.rack.example.org/system?", ws: "wss://api.rack.example.org/apps/a/logs",
			host: "api.rack.example.org", user: "convox", pw: "KEY",
		},
		"RACK_URL with a JWT": {
			cfg:    Config{RackURL: "https://jwt:eyJ.abc.def@api.rack.example.org"},
			target: "https://api.rack.example.org/system?", ws: "wss://api.rack.example.org/apps/a/logs",
			host: "api.rack.example.org", user: "jwt", pw: "eyJ.abc.def",
		},
		"RACK_URL wins over Host, Password and Rack": {
			cfg:    Config{RackURL: "http://convox:direct@10.0.0.1:5443", Host: "console.convox.com", Password: "key", Rack: "acme/staging"},
			target: "http://10.0.0.1:5443/system?", ws: "ws://10.0.0.1:5443/apps/a/logs",
			host: "10.0.0.1:5443", user: "convox", pw: "direct",
		},
		"RACK_URL password is sent raw, unescaped": {
			cfg:    Config{RackURL: "https://convox:dk-abc%2F12%3A3@h"},
			target: "https://h/system?", ws: "wss://h/apps/a/logs",
			host: "h", user: "convox", pw: "dk-abc/12:3",
		},
		"RACK_URL without a scheme": {
			cfg:    Config{RackURL: "convox:pw@rack.example.org"},
			target: "https://rack.example.org/system?", ws: "wss://rack.example.org/apps/a/logs",
			host: "rack.example.org", user: "convox", pw: "pw",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			c := newTestClient(t, tc.cfg)
			require.Equal(t, tc.target, c.target("/system", nil))
			require.Equal(t, tc.ws, c.wsTarget("/apps/a/logs"))
			require.Equal(t, tc.host, c.Host())
			require.Equal(t, tc.user, c.user)
			require.Equal(t, tc.pw, c.password)
			require.Equal(t, tc.console, c.Console())
		})
	}
}

func TestNewRefuses(t *testing.T) {
	tests := map[string]struct {
		cfg  Config
		want []string
	}{
		"nothing set":          {Config{Password: "pw"}, []string{"CONVOX_HOST", "CONVOX_PASSWORD", "RACK_URL"}},
		"blank host":           {Config{Host: "  "}, []string{"CONVOX_HOST", "RACK_URL"}},
		"other scheme":         {Config{Host: "ftp://rack.example.org"}, []string{"CONVOX_HOST", `"ftp"`, "https://"}},
		"no host":              {Config{RackURL: "https://convox:pw@/x"}, []string{"RACK_URL has no host"}},
		"unparseable RACK_URL": {Config{RackURL: "https://convox:s3cr%zz@rack.example.org"}, []string{"RACK_URL is not a host name or URL"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := New(tc.cfg)
			require.Error(t, err)
			for _, w := range tc.want {
				require.Contains(t, err.Error(), w)
			}
			require.NotContains(t, err.Error(), "s3cr")
		})
	}
}

func TestHeadersOnEveryPlainCall(t *testing.T) {
	var mu sync.Mutex
	var got []*http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		mu.Lock()
		got = append(got, r.Clone(context.Background()))
		mu.Unlock()
		if strings.HasSuffix(r.URL.Path, "/releases") {
			_, _ = io.WriteString(w, "[]")
			return
		}
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	cfg, logs := testConfig(srv.URL)
	cfg.Actor = "ci-bot"
	c := newTestClient(t, cfg)
	ctx := context.Background()
	_, err := c.SystemGet(ctx)
	require.NoError(t, err)
	_, err = c.BuildCreate(ctx, "my app", BuildCreateOptions{URL: "object://x", Development: true, NoCache: true, BuildArgs: []string{"A=1", "B=2"}, Manifest: "convox2.yml"})
	require.NoError(t, err)
	_, err = c.ReleaseList(ctx, "myapp", 1)
	require.NoError(t, err)
	require.NoError(t, c.ReleasePromote(ctx, "myapp", "R1", PromoteOptions{Force: true, Timeout: 90500 * 1e6}))
	_, err = c.ObjectStore(ctx, "myapp", "tmp/a b.tgz", func() (io.Reader, error) { return strings.NewReader("x"), nil })
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 5)
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("convox:"+testPassword))
	for _, r := range got {
		require.Equal(t, auth, r.Header.Get("Authorization"))
		require.Equal(t, "*/*", r.Header.Get("Accept"))
		require.Equal(t, "dev", r.Header.Get("Version"))
		require.Equal(t, "convox.go/dev convox-ci/1.2.3", r.Header.Get("User-Agent"))
		require.Equal(t, "ci-bot", r.Header.Get("X-Convox-Actor"))
		require.Empty(t, r.Header.Values("Rack"))
		require.Empty(t, r.Header.Values("Session"))
	}
	require.Equal(t, "/system?", got[0].RequestURI)
	require.Equal(t, "application/octet-stream", got[0].Header.Get("Content-Type"))

	require.Equal(t, "/apps/my%20app/builds?", got[1].RequestURI)
	require.Equal(t, "application/x-www-form-urlencoded", got[1].Header.Get("Content-Type"))
	require.Equal(t, "A=1,B=2", got[1].PostForm.Get("build-args"))
	require.Equal(t, "true", got[1].PostForm.Get("development"))
	require.Equal(t, "true", got[1].PostForm.Get("no-cache"))
	require.Equal(t, "convox2.yml", got[1].PostForm.Get("manifest"))
	require.Len(t, got[1].PostForm, 5)

	require.Equal(t, "/apps/myapp/releases?limit=1", got[2].RequestURI)

	require.Equal(t, "true", got[3].PostForm.Get("force"))
	require.Equal(t, "91", got[3].PostForm.Get("timeout"), "seconds, rounded up")

	require.Equal(t, "/apps/myapp/objects/tmp/a%20b.tgz?", got[4].RequestURI)
	require.Equal(t, "application/octet-stream", got[4].Header.Get("Content-Type"))

	require.NotContains(t, logs.String(), testPassword)
	require.NotContains(t, logs.String(), strings.TrimPrefix(auth, "Basic "))
	require.NotContains(t, logs.String(), "Authorization")
	require.Equal(t, 5, logs.count(`"message":"rack api"`), "each request logged once at debug")
}

func TestProcessStartHeaders(t *testing.T) {
	var mu sync.Mutex
	var got *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.Clone(context.Background())
		mu.Unlock()
		_, _ = io.WriteString(w, `{"id":"web-1","status":"pending"}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	p, err := c.ProcessStart(context.Background(), "myapp", "web", ProcessRunOptions{
		Command: "sleep 600", Release: "R1", Image: "img", CPU: 256, Memory: 512,
		Environment: map[string]string{"B": "2 3", "A": "1"},
	})
	require.NoError(t, err)
	require.Equal(t, "web-1", p.ID)
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, "/apps/myapp/services/web/processes?", got.RequestURI)
	require.Equal(t, int64(0), got.ContentLength)
	for k, v := range map[string]string{"Command": "sleep 600", "Release": "R1", "Image": "img", "Cpu": "256", "Memory": "512", "Environment": "A=1&B=2+3"} {
		require.Equal(t, v, got.Header.Get(k), k)
	}
}
