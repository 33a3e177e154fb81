package rack

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"
)

const consoleRacks = `[
 {"name":"staging","organization":{"name":"acme"},"provider":"aws","status":"running"},
 {"name":"staging2","organization":{"name":"acme"},"provider":"aws","status":"running"},
 {"name":"production","organization":{"name":"acme"},"provider":"aws","status":"running"}
]`

// fakeConsole is a Console: GET /racks, a session challenge when
// sessionPath is set, and the rack API behind it.
type fakeConsole struct {
	t            *testing.T
	racksStatus  int    // answer GET /racks with this status instead of the list
	sessionPath  string // challenge calls without a session
	sessionToken string // "false" or "true"
	sessionID    string // what POST sessionPath answers
	ownName      string // GET /system's name without a Rack header (the host is a Rack)

	mu       sync.Mutex
	requests []*http.Request
}

func (f *fakeConsole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.requests = append(f.requests, r.Clone(context.Background()))
	f.mu.Unlock()
	if r.Method == http.MethodPost && f.sessionPath != "" && r.URL.Path == f.sessionPath {
		_, _ = io.WriteString(w, `{"id":"`+f.sessionID+`"}`)
		return
	}
	if f.sessionPath != "" && r.Header.Get("Session") == "" {
		w.Header().Set("WWW-Authenticate", `Session path="`+f.sessionPath+`" token="`+f.sessionToken+`"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	switch {
	case r.URL.Path == "/racks" && r.Header.Get("Rack") == "":
		if f.racksStatus != 0 {
			w.WriteHeader(f.racksStatus)
			if f.racksStatus == http.StatusUnauthorized {
				_, _ = io.WriteString(w, "invalid authentication\n")
			}
			return
		}
		_, _ = io.WriteString(w, consoleRacks)
	case r.URL.Path == "/system" && r.Header.Get("Rack") == "":
		_, _ = io.WriteString(w, `{"name":"`+f.ownName+`"}`)
	case r.URL.Path == "/system":
		_, _ = io.WriteString(w, `{"name":"`+r.Header.Get("Rack")+`"}`)
	case r.URL.Path == "/apps/myapp/logs" && r.Header.Get("Upgrade") != "":
		wsHandler(f.t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
			sendFrames(ctx, c, "line\n")
		})(w, r)
	default:
		w.WriteHeader(http.StatusNotFound)
	}
}

func (f *fakeConsole) seen() []*http.Request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]*http.Request(nil), f.requests...)
}

func consoleClient(t *testing.T, f *fakeConsole, rack string) (*Client, *logBuffer) {
	t.Helper()
	f.t = t
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	logs := &logBuffer{}
	c := newTestClient(t, Config{Host: srv.URL, Password: "deploy-key-123", Rack: rack, Logger: zerolog.New(logs).Level(zerolog.DebugLevel)})
	return c, logs
}

func TestMatchRack(t *testing.T) {
	racks := []ConsoleRack{
		{Name: "staging", Organization: ConsoleOrg{Name: "acme"}},
		{Name: "staging2", Organization: ConsoleOrg{Name: "acme"}},
		{Name: "production", Organization: ConsoleOrg{Name: "acme"}},
		{Name: "production", Organization: ConsoleOrg{Name: "other"}},
	}
	tests := map[string]struct {
		want, got string
		err       error
		text      string
	}{
		"exact wins over substrings":    {want: "acme/staging", got: "acme/staging"},
		"unique substring":              {want: "staging2", got: "acme/staging2"},
		"unique substring with org":     {want: "other/prod", got: "other/production"},
		"ambiguous":                     {want: "production", err: ErrAmbiguousRack, text: "ambiguous rack name: production"},
		"ambiguous prefix":              {want: "stag", err: ErrAmbiguousRack, text: "ambiguous rack name: stag"},
		"not found":                     {want: "acme/nope", err: ErrRackNotFound, text: "could not find rack: acme/nope"},
		"exact match is case-sensitive": {want: "ACME/staging", err: ErrRackNotFound, text: "could not find rack: ACME/staging"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := matchRack(racks, tc.want)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				require.ErrorContains(t, err, tc.text)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.got, got)
		})
	}
}

func TestConsoleResolvesTheRackAndSendsRackHeader(t *testing.T) {
	f := &fakeConsole{}
	c, _ := consoleClient(t, f, "production")
	require.True(t, c.Console())
	sys, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, "acme/production", sys.Name, "the Rack header carries the full name")
	require.Equal(t, "acme/production", c.RackName())
	_, err = c.SystemGet(context.Background())
	require.NoError(t, err)

	reqs := f.seen()
	require.Len(t, reqs, 3, "GET /racks once, then two calls")
	require.Equal(t, "/racks", reqs[0].URL.Path)
	require.Empty(t, reqs[0].Header.Values("Rack"), "GET /racks carries no Rack header")
	for _, r := range reqs[1:] {
		require.Equal(t, "acme/production", r.Header.Get("Rack"))
		require.Equal(t, []string{""}, r.Header.Values("Session"), "Session is sent, empty")
		require.Equal(t, "Basic "+base64.StdEncoding.EncodeToString([]byte("convox:deploy-key-123")), r.Header.Get("Authorization"))
	}
}

func TestConsoleRackNotFound(t *testing.T) {
	c, _ := consoleClient(t, &fakeConsole{}, "acme/nope")
	_, err := c.SystemGet(context.Background())
	require.ErrorIs(t, err, ErrRackNotFound)
	require.ErrorContains(t, err, "could not find rack: acme/nope")
}

func TestConsoleAuthFailureIsNotSwallowed(t *testing.T) {
	for _, status := range []int{http.StatusUnauthorized, http.StatusForbidden} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, _ := consoleClient(t, &fakeConsole{racksStatus: status}, "production")
			_, err := c.SystemGet(context.Background())
			require.Error(t, err)
			require.NotErrorIs(t, err, ErrRackNotFound)
			if status == http.StatusUnauthorized {
				require.ErrorIs(t, err, ErrUnauthorized)
			} else {
				require.ErrorIs(t, err, ErrForbidden)
			}
			require.NotContains(t, err.Error(), "deploy-key-123")
		})
	}
}

func TestConsoleHostThatIsARackGoesDirect(t *testing.T) {
	for _, name := range []string{"production", "acme/production"} {
		t.Run(name, func(t *testing.T) {
			f := &fakeConsole{racksStatus: http.StatusNotFound, ownName: "production"}
			c, logs := consoleClient(t, f, name)
			sys, err := c.SystemGet(context.Background())
			require.NoError(t, err)
			require.Equal(t, "production", sys.Name)
			require.False(t, c.Console())
			require.Empty(t, c.RackName())
			reqs := f.seen()
			require.Len(t, reqs, 3, "GET /racks (404), GET /system (its own name), then the call")
			require.Equal(t, "/system", reqs[1].URL.Path)
			for _, r := range reqs[1:] {
				require.Empty(t, r.Header.Values("Rack"))
				require.Empty(t, r.Header.Values("Session"))
			}
			require.Equal(t, 1, logs.count("talking to the Rack directly; it is the rack asked for"))
		})
	}
}

// With direct credentials, a rack name that is not the Rack's own is
// refused before anything else is sent: a Rack cannot reach another rack.
func TestDirectCredentialsWithAnotherRacksName(t *testing.T) {
	f := &fakeConsole{racksStatus: http.StatusNotFound, ownName: "production"}
	c, _ := consoleClient(t, f, "acme/staging")
	_, err := c.BuildList(context.Background(), "myapp", 0)
	var mm *RackMismatchError
	require.ErrorAs(t, err, &mm)
	require.ErrorIs(t, err, ErrOtherRack)
	require.Equal(t, RackMismatchError{Host: c.Host(), Own: "production", Wanted: "acme/staging"}, *mm)
	require.ErrorContains(t, err, `rack acme/staging was asked for, but the credentials point directly at `+c.Host()+`, the Rack named "production"`)
	var paths []string
	for _, r := range f.seen() {
		paths = append(paths, r.Method+" "+r.URL.Path)
	}
	require.Equal(t, []string{"GET /racks", "GET /system"}, paths, "nothing but the two look-ups was sent")
	_, err = c.BuildList(context.Background(), "myapp", 0)
	require.ErrorIs(t, err, ErrOtherRack, "every later call fails the same way")
}

func TestRackURLWithARackName(t *testing.T) {
	for name, tc := range map[string]struct {
		rack string
		ok   bool
	}{
		"its own name":            {rack: "production", ok: true},
		"org and its own name":    {rack: "acme/production", ok: true},
		"another rack":            {rack: "acme/staging"},
		"a name that contains it": {rack: "acme/production2"},
	} {
		t.Run(name, func(t *testing.T) {
			f := &fakeConsole{racksStatus: http.StatusNotFound, ownName: "production"}
			f.t = t
			srv := httptest.NewServer(f)
			t.Cleanup(srv.Close)
			c := newTestClient(t, Config{RackURL: strings.Replace(srv.URL, "://", "://convox:key@", 1), Rack: tc.rack})
			_, err := c.BuildList(context.Background(), "myapp", 0)
			if tc.ok {
				require.NotErrorIs(t, err, ErrOtherRack)
				return
			}
			require.ErrorIs(t, err, ErrOtherRack)
			for _, r := range f.seen() {
				require.NotContains(t, r.URL.Path, "/apps", "nothing sent to the app")
			}
		})
	}
}

func TestConsoleSessionHandshake(t *testing.T) {
	f := &fakeConsole{sessionPath: "/session", sessionToken: "false", sessionID: "sess-1"}
	c, logs := consoleClient(t, f, "acme/staging")
	sys, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, "acme/staging", sys.Name)
	_, err = c.SystemGet(context.Background())
	require.NoError(t, err)

	var got []string
	for _, r := range f.seen() {
		got = append(got, r.Method+" "+r.URL.Path+" session="+r.Header.Get("Session"))
	}
	require.Equal(t, []string{
		"GET /racks session=",       // challenged
		"POST /session session=",    // the handshake
		"GET /racks session=sess-1", // resent once
		"GET /system session=sess-1",
		"GET /system session=sess-1", // the session is kept
	}, got)
	require.NotContains(t, logs.String(), "sess-1", "the session id is not logged")
}

func TestConsoleSessionNeedingInteractiveLogin(t *testing.T) {
	f := &fakeConsole{sessionPath: "/session", sessionToken: "true"}
	c, _ := consoleClient(t, f, "acme/staging")
	_, err := c.SystemGet(context.Background())
	require.ErrorIs(t, err, ErrUnauthorized)
	require.ErrorContains(t, err, "cannot run in CI")
	require.ErrorContains(t, err, "deploy key")
	for _, r := range f.seen() {
		require.NotEqual(t, http.MethodPost, r.Method, "no session POST for a token challenge")
	}
}

func TestConsoleEmptySessionID(t *testing.T) {
	f := &fakeConsole{sessionPath: "/session", sessionToken: "false", sessionID: ""}
	c, _ := consoleClient(t, f, "acme/staging")
	_, err := c.SystemGet(context.Background())
	require.ErrorIs(t, err, ErrUnauthorized)
	require.ErrorContains(t, err, "invalid session")
}

func TestConsoleWebsocketPreflight(t *testing.T) {
	f := &fakeConsole{sessionPath: "/session", sessionToken: "false", sessionID: "sess-9"}
	c, _ := consoleClient(t, f, "acme/staging")
	var out bytes.Buffer
	require.NoError(t, c.AppLogs(context.Background(), "myapp", LogsOptions{}, &out))
	require.Equal(t, "line\n", out.String())

	var got []string
	for _, r := range f.seen() {
		got = append(got, r.Method+" "+r.URL.Path+" session="+r.Header.Get("Session")+" rack="+r.Header.Get("Rack"))
	}
	require.Equal(t, []string{
		"GET /racks session= rack=",
		"POST /session session= rack=",
		"GET /racks session=sess-9 rack=",
		"GET /machines session=sess-9 rack=acme/staging", // the throw-away GET before the websocket
		"GET /apps/myapp/logs session=sess-9 rack=acme/staging",
	}, got)
}

func TestDirectRackHasNoPreflight(t *testing.T) {
	var paths []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.URL.Path)
		mu.Unlock()
		wsHandler(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) { sendFrames(ctx, c) })(w, r)
	}))
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	require.NoError(t, c.BuildLogs(context.Background(), "myapp", "B1", io.Discard))
	mu.Lock()
	defer mu.Unlock()
	require.Equal(t, []string{"/apps/myapp/builds/B1/logs"}, paths)
}

func TestRackList(t *testing.T) {
	t.Run("console", func(t *testing.T) {
		c, _ := consoleClient(t, &fakeConsole{}, "")
		racks, err := c.RackList(context.Background())
		require.NoError(t, err)
		require.Len(t, racks, 3)
		require.Equal(t, "acme/staging", racks[0].FullName())
		require.Equal(t, "aws", racks[0].Provider)
	})
	t.Run("a Rack host", func(t *testing.T) {
		c, _ := consoleClient(t, &fakeConsole{racksStatus: http.StatusNotFound}, "")
		_, err := c.RackList(context.Background())
		require.ErrorContains(t, err, "needs Convox Console")
	})
	t.Run("RACK_URL", func(t *testing.T) {
		c := newTestClient(t, Config{RackURL: "https://convox:pw@rack.example.org"})
		_, err := c.RackList(context.Background())
		require.ErrorContains(t, err, "needs Convox Console")
	})
}
