package rack

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/report"
)

// A secret that a server echoes across the 500-byte cut of an error
// message is redacted whole before the cut: no half of it is printed.
func TestErrorMessageIsRedactedBeforeItIsCut(t *testing.T) {
	const secret = "ECHOED-SECRET-0123456789"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, strings.Repeat("x", maxMessage-8)+secret+strings.Repeat("y", 100))
	}))
	t.Cleanup(srv.Close)
	secrets := report.NewSecrets()
	secrets.Add(secret)
	cfg, _ := testConfig(srv.URL)
	cfg.Redactor = secrets
	c := newTestClient(t, cfg)
	_, err := c.SystemGet(context.Background())
	require.Error(t, err)
	msg := secrets.String(err.Error()) // as it is printed
	require.NotContains(t, msg, secret[:8], "the cut left half of the secret where the redactor could not see it")
	require.Contains(t, msg, strings.Repeat("x", maxMessage-8)+"[RED")
}

func TestCredentialsAreReadAsTheClientReadsThem(t *testing.T) {
	for raw, want := range map[string][2]string{
		" https://convox:KEY1@rack.example.org\n": {"convox", "KEY1"}, // pasted with whitespace: used trimmed, so known trimmed
		"convox:KEY2@rack.example.org":            {"convox", "KEY2"}, // no scheme: https:// as New takes it
		"https://jwt:tok3n@rack.example.org:5443": {"jwt", "tok3n"},
		"https://convox:a%40b@rack.example.org":   {"convox", "a@b"},
		"https://convox:ab/cd@rack.example.org":   {"convox", "ab/cd"}, // no URL at all: the key is still found
		"https://rack.example.org":                {"", ""},
		"rack.example.org":                        {"", ""},
	} {
		user, key := Credentials(raw)
		require.Equal(t, want, [2]string{user, key}, "%q", raw)
	}
	require.Equal(t, "rack.example.org", HostOf("convox:KEY2@rack.example.org"))
	require.Equal(t, "rack.example.org:5443", HostOf(" https://jwt:tok3n@rack.example.org:5443/\n"))
}

func TestConsoleSessionIsASecretOnceOpened(t *testing.T) {
	f := &fakeConsole{sessionPath: "/session", sessionToken: "false", sessionID: "console-session-id-2718"}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	f.t = t
	secrets := report.NewSecrets()
	cfg, _ := testConfig(srv.URL)
	cfg.RackURL, cfg.Host, cfg.Password, cfg.Rack, cfg.Redactor = "", srv.URL, testPassword, "acme/production", secrets
	c := newTestClient(t, cfg)
	require.Equal(t, "a console-session-id-2718 b", secrets.String("a console-session-id-2718 b"))
	_, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, "a "+report.Redacted+" b", secrets.String("a console-session-id-2718 b"))
}

// A server that echoes the password it received, escaped as servers
// commonly escape text: JSON with every non-ASCII character as \uXXXX
// (Python's json.dumps; PHP's json_encode, which also writes \/; upper-case
// hex), URL-encoded with lower-case hex (.NET's UrlEncode) or with / kept
// (Python's urllib.parse.quote), Python's repr, HTML-escaped
// (Python's html.escape, Go's html/template), and in an HTML page's title.
// None of these shows in the error as it is printed.
func TestPasswordEchoedByAServerInItsOwnEscapingNeverShows(t *testing.T) {
	const password = "pa<ss\"wo\\rd&1%40:/é'\x01\u200b"
	echoed := map[string]string{ // password -> as the server writes it
		"python json": `pa<ss\"wo\\rd&1%40:/\u00e9'\u0001\u200b`,
		"php json":    `pa<ss\"wo\\rd&1%40:\/\u00e9'\u0001\u200b`,
		"upper json":  `pa<ss\"wo\\rd&1%40:/\u00E9'\u0001\u200B`,
		".net url":    `pa%3css%22wo%5crd%261%2540%3a%2f%c3%a9%27%01%e2%80%8b`,
		"python url":  `pa%3Css%22wo%5Crd%261%2540%3A/%C3%A9%27%01%E2%80%8B`, // urllib.parse.quote: / kept
		"python repr": `pa<ss"wo\\rd&1%40:/é\'\x01\u200b`,                    // a dict printed in an error
		"python html": "pa&lt;ss&quot;wo\\rd&amp;1%40:/é&#x27;\x01\u200b",
		"go html":     "pa&lt;ss&#34;wo\\rd&amp;1%40:/é&#39;\x01\u200b",
	}
	for name, form := range echoed {
		for _, page := range []string{"text", "title"} {
			t.Run(name+" "+page, func(t *testing.T) {
				received := make(chan string, 10)
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, pw, _ := r.BasicAuth()
					received <- pw
					text := "denied: " + strings.ReplaceAll(form, password, "") // form as given, for the password received
					if pw != password {
						text = "denied: another password"
					}
					if page == "title" {
						w.Header().Set("Content-Type", "text/html")
						w.WriteHeader(http.StatusForbidden)
						_, _ = io.WriteString(w, "<html><head><title>"+text+"</title></head><body>no</body></html>")
						return
					}
					w.WriteHeader(http.StatusBadRequest)
					_, _ = io.WriteString(w, text)
				}))
				t.Cleanup(srv.Close)
				secrets := report.NewSecrets()
				secrets.Add(password)
				cfg, _ := testConfig(srv.URL)
				cfg.RackURL, cfg.Host, cfg.Password, cfg.Redactor = "", srv.URL, password, secrets
				c := newTestClient(t, cfg)
				_, err := c.SystemGet(context.Background())
				require.Error(t, err)
				require.Equal(t, password, <-received, "the server echoes what it received")
				msg := secrets.String(err.Error()) // as it is printed
				require.NotContains(t, msg, "another password")
				unquoted := strings.NewReplacer(`\\`, `\`, `\"`, `"`).Replace(msg) // a title is shown %q-quoted
				for _, m := range []string{msg, unquoted} {
					require.NotContains(t, m, form[:12], "the %s echo of the password shows: %s", name, msg)
					require.NotContains(t, m, form[len(form)-12:], "the %s echo of the password shows: %s", name, msg)
				}
			})
		}
	}
}

// A password with a tab and a run of spaces, echoed in an HTML page's
// title, is redacted before the title's white space is tidied: no part of
// it shows.
func TestPasswordWithWhiteSpaceEchoedInATitleNeverShows(t *testing.T) {
	const password = "tab\tsep  two-spaces"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "<html><head><title>denied "+pw+"</title></head></html>")
	}))
	t.Cleanup(srv.Close)
	secrets := report.NewSecrets()
	secrets.Add(password)
	cfg, _ := testConfig(srv.URL)
	cfg.RackURL, cfg.Host, cfg.Password, cfg.Redactor = "", srv.URL, password, secrets
	c := newTestClient(t, cfg)
	_, err := c.SystemGet(context.Background())
	require.Error(t, err)
	msg := secrets.String(err.Error())
	require.NotContains(t, msg, "two-spaces", msg)
	require.Contains(t, msg, `titled "denied `+report.Redacted+`"`)
}
