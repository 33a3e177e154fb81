package rack

import (
	"context"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// elsewhere is a server that must never be reached: it counts every request
// and every credential (Authorization, Session, Rack) that reached it.
type elsewhere struct {
	mu          sync.Mutex
	requests    int
	credentials []string
}

func (e *elsewhere) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.requests++
	for _, h := range []string{"Authorization", "Session", "Rack"} {
		if v := r.Header.Get(h); v != "" {
			e.credentials = append(e.credentials, h+": "+v)
		}
	}
	_, _ = io.WriteString(w, `{"name":"elsewhere"}`)
}

func (e *elsewhere) seen() (int, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.requests, append([]string(nil), e.credentials...)
}

// redirectingRack redirects every request (plain and websocket) to target
// plus the request's path.
func redirectingRack(target string, tls bool) *httptest.Server {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target+r.URL.Path, http.StatusFound)
	})
	if !tls {
		return httptest.NewServer(h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	return srv
}

func TestRedirectToAnotherPortOrSchemeIsRefusedAndNothingIsSentThere(t *testing.T) {
	other := &elsewhere{}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	otherHost := strings.TrimPrefix(otherSrv.URL, "http://")

	for _, tc := range []struct {
		name string
		tls  bool // the Rack is https, the redirect goes to http: a downgrade too
	}{{"http to another port", false}, {"https to http", true}} {
		t.Run(tc.name, func(t *testing.T) {
			rackSrv := redirectingRack(otherSrv.URL, tc.tls)
			t.Cleanup(rackSrv.Close)
			cfg, logs := testConfig(rackSrv.URL)
			cfg.InsecureSkipVerify = tc.tls
			c := newTestClient(t, cfg)

			_, err := c.SystemGet(context.Background()) // a GET: redirects are followed only to the same origin
			var re *RedirectError
			require.ErrorAs(t, err, &re)
			require.Contains(t, err.Error(), otherHost, "the message names where the redirect pointed")
			require.NotErrorIs(t, err, ErrUnavailable, "a refused redirect is not retried as an outage")

			var got []string
			err = c.BuildLogs(context.Background(), "myapp", "B1", writerFunc(func(p []byte) { got = append(got, string(p)) }))
			require.ErrorAs(t, err, &re, "a websocket redirected elsewhere is refused too")
			require.Empty(t, got)

			n, creds := other.seen()
			require.Zero(t, n, "nothing reached the other server")
			require.Empty(t, creds)
			require.NotContains(t, logs.String(), testPassword)
		})
	}
}

func TestConsoleSessionIsNeverSentToARedirectTarget(t *testing.T) {
	other := &elsewhere{}
	otherSrv := httptest.NewServer(other)
	t.Cleanup(otherSrv.Close)
	f := &fakeConsole{sessionPath: "/session", sessionToken: "false", sessionID: "sess-secret-id"}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/system" && r.Header.Get("Session") != "" {
			http.Redirect(w, r, otherSrv.URL+r.URL.Path, http.StatusTemporaryRedirect)
			return
		}
		f.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.t = t
	cfg, _ := testConfig(srv.URL)
	cfg.RackURL, cfg.Host, cfg.Password, cfg.Rack = "", srv.URL, testPassword, "acme/production"
	c := newTestClient(t, cfg)

	_, err := c.SystemGet(context.Background())
	var re *RedirectError
	require.ErrorAs(t, err, &re)
	n, creds := other.seen()
	require.Zero(t, n)
	require.Empty(t, creds, "neither the password, the session nor the rack reached the other host")
}

func TestRedirectWithinTheRackIsFollowed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/system" {
			http.Redirect(w, r, "/system/", http.StatusMovedPermanently)
			return
		}
		_, _ = io.WriteString(w, `{"name":"same"}`)
	}))
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	s, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, "same", s.Name)
}

func TestSameOrigin(t *testing.T) {
	for _, tc := range []struct {
		from, to string
		same     bool
	}{
		{"https://rack.example.org/apps", "https://rack.example.org:443/x", true},
		{"https://rack.example.org/apps", "https://RACK.example.org/x", true},
		{"wss://rack.example.org/apps", "https://rack.example.org/x", true},
		{"https://rack.example.org/apps", "http://rack.example.org/x", false},
		{"https://rack.example.org/apps", "https://rack.example.org:8443/x", false},
		{"https://rack.example.org/apps", "https://evil.example.org/x", false},
		{"http://rack.example.org/apps", "https://rack.example.org/x", false},
	} {
		from, _ := url.Parse(tc.from)
		to, _ := url.Parse(tc.to)
		err := sameOrigin(from, to)
		require.Equal(t, tc.same, err == nil, "%s -> %s: %v", tc.from, tc.to, err)
	}
	to, _ := url.Parse("https://convox:pw-in-url@evil.example.org/x?token=t0ken")
	from, _ := url.Parse("https://rack.example.org/")
	err := sameOrigin(from, to)
	require.NotContains(t, err.Error(), "pw-in-url")
	require.NotContains(t, err.Error(), "t0ken")
}

type writerFunc func([]byte)

func (f writerFunc) Write(p []byte) (int, error) { f(p); return len(p), nil }

// Console's session challenge names the path to POST to. A path that does
// not start with / would change the URL's authority when appended to the
// host ("@other:port/session"; ":port/x" on a host given without a port): the
// password must still go only to the host it was given for.
func TestSessionChallengePathNeverLeavesTheHost(t *testing.T) {
	for _, form := range []string{"@HOST/session", "@HOST"} {
		t.Run(form, func(t *testing.T) {
			other := &elsewhere{}
			otherSrv := httptest.NewServer(other)
			t.Cleanup(otherSrv.Close)
			otherHost := strings.TrimPrefix(otherSrv.URL, "http://")
			path := strings.Replace(form, "HOST", otherHost, 1)
			f := &fakeConsole{sessionPath: path, sessionToken: "false", sessionID: "sess-secret-id"}
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			f.t = t
			cfg, _ := testConfig(srv.URL)
			cfg.RackURL, cfg.Host, cfg.Password, cfg.Rack = "", srv.URL, testPassword, "acme/production"
			cfg.RetryMax = 0
			c := newTestClient(t, cfg)
			_, _ = c.SystemGet(context.Background())
			n, creds := other.seen()
			require.Zero(t, n, "a request reached the other server")
			require.Empty(t, creds)
			require.NotEmpty(t, f.seen(), "the Console was asked")
		})
	}
}
