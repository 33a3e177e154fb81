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
