package rack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestClassify(t *testing.T) {
	tests := map[string]struct {
		status  int
		message string
		want    Kind
	}{
		"bad password":                         {401, "invalid authentication", Unauthorized},
		"bad jwt":                              {401, "invalid authentication: token is expired", Unauthorized},
		"read-only jwt (401 by status)":        {401, "you are unauthorized to access this", Forbidden},
		"exec needs write":                     {403, "process exec requires write access", Forbidden},
		"admin role":                           {403, "admin role required", Forbidden},
		"updating is a conflict":               {403, "app is currently updating", Conflict},
		"not updating is a conflict":           {403, "app is not updating", Conflict},
		"not found by message on a 500":        {500, "app not found: nope", NotFound},
		"no such":                              {500, "no such app: textapp", NotFound},
		"expired console token on a 500":       {500, "cli token is expired", Unauthorized},
		"stream error (no status)":             {0, "invalid authentication", Unauthorized},
		"bare 401":                             {401, "response status 401", Unauthorized},
		"bare 403":                             {403, "nope", Forbidden},
		"bare 404":                             {404, "response status 404", NotFound},
		"409":                                  {409, "already exists", Conflict},
		"400":                                  {400, "invalid object key", Invalid},
		"422":                                  {422, "unprocessable", Invalid},
		"429":                                  {429, "slow down", Unavailable},
		"501 unimplemented is not transient":   {501, "unimplemented", Other},
		"502":                                  {502, "response status 502", Unavailable},
		"503":                                  {503, "upstream down", Unavailable},
		"stream error without a known message": {0, "no resources found in x namespace", Other},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, Classify(tc.status, tc.message))
		})
	}
}

func TestErrorMessage(t *testing.T) {
	tests := map[string]struct {
		status int
		ctype  string
		body   string
		want   string
	}{
		"text":               {404, "text/plain; charset=utf-8", "app not found: nope\n", "app not found: nope"},
		"json":               {404, "application/json", `{"error":"app not found: nope"}` + "\n", "app not found: nope"},
		"json without error": {500, "application/json", `{"message":"x"}`, `{"message":"x"}`},
		"empty":              {404, "", "", "response status 404"},
		"blank":              {502, "text/plain", "  \n", "response status 502"},
		"html page":          {502, "text/html", "<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>" + string(make([]byte, 2000)) + "</body></html>", `response status 502 with an HTML page titled "502 Bad Gateway" (a proxy or load balancer answered, not the Rack API)`},
		"html without type":  {503, "", "<!DOCTYPE html><html><body>down</body></html>", "response status 503 with an HTML page (a proxy or load balancer answered, not the Rack API)"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, errorMessage(tc.status, tc.ctype, []byte(tc.body), noRedactor{}))
		})
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Kind: NotFound, Status: 404, Message: "app not found: nope", Method: "GET", Path: "/apps/nope", Host: "rack.example.org"}
	require.Equal(t, "app not found: nope (GET /apps/nope on rack.example.org: 404)", e.Error())
	e = &Error{Kind: Unauthorized, Message: "invalid authentication", Method: "GET", Path: "/apps/myapp/logs", Host: "h"}
	require.Equal(t, "invalid authentication (GET /apps/myapp/logs on h)", e.Error())
}

func TestErrorIsAndAs(t *testing.T) {
	sentinels := map[Kind]error{
		Unauthorized: ErrUnauthorized, Forbidden: ErrForbidden, NotFound: ErrNotFound, Conflict: ErrConflict,
		Invalid: ErrInvalid, Unavailable: ErrUnavailable, BadCertificate: ErrBadCertificate,
	}
	for kind, sentinel := range sentinels {
		t.Run(kind.String(), func(t *testing.T) {
			err := fmt.Errorf("doing x: %w", &Error{Kind: kind, Message: "m"})
			require.ErrorIs(t, err, sentinel)
			for other, s := range sentinels {
				if other != kind {
					require.NotErrorIs(t, err, s)
				}
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, kind, e.Kind)
		})
	}
	require.False(t, errors.Is(&Error{Kind: Other}, ErrNotFound))
}

func TestHTMLProxyPageIsSummarised(t *testing.T) {
	page := "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusBadGateway)
		_, _ = io.WriteString(w, page)
	}))
	t.Cleanup(srv.Close)
	cfg, _ := testConfig(srv.URL)
	cfg.RetryMax = -1 // no retries
	c := newTestClient(t, cfg)
	_, err := c.BuildCreate(context.Background(), "myapp", BuildCreateOptions{URL: "object://x"})
	require.ErrorIs(t, err, ErrUnavailable)
	require.Contains(t, err.Error(), `"502 Bad Gateway"`)
	require.NotContains(t, err.Error(), "<center>")
}

func TestNonJSONSuccessIsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		_, _ = io.WriteString(w, "<html><head><title>Sign in</title></head></html>")
	}))
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	_, err := c.SystemGet(context.Background())
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, Other, e.Kind)
	require.Contains(t, e.Message, `"Sign in"`)
}

func TestRedirectedPostIsNotFollowed(t *testing.T) {
	var posts, gets int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/apps" && r.Method == "POST" {
			posts++
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		gets++
		_, _ = io.WriteString(w, "{}")
	}))
	t.Cleanup(srv.Close)
	c, _ := directClient(t, srv.URL)
	_, err := c.AppCreate(context.Background(), "myapp")
	require.Error(t, err)
	require.Contains(t, err.Error(), "unexpected redirect")
	require.Equal(t, 1, posts)
	require.Equal(t, 0, gets, "a redirected POST must not become a GET")
}
