package rack

import (
	"bytes"
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

// tlsRack is a self-signed HTTPS server answering GET /system, and
// websockets on /apps/myapp/logs.
func tlsRack(t *testing.T) *httptest.Server {
	t.Helper()
	ws := wsHandler(t, func(ctx context.Context, c *websocket.Conn, r *http.Request) {
		sendFrames(ctx, c, "log line\n")
	})
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Upgrade") != "" {
			ws(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"name":"staging"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.StartTLS()
	t.Cleanup(srv.Close)
	return srv
}

func caFile(t *testing.T, srv *httptest.Server) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	require.NoError(t, os.WriteFile(p, pemBytes, 0o600))
	return p
}

func TestTLSSelfSignedRefusedByDefault(t *testing.T) {
	srv := tlsRack(t)
	cfg, logs := testConfig(srv.URL)
	c := newTestClient(t, cfg)
	host := strings.TrimPrefix(srv.URL, "https://")

	_, err := c.SystemGet(context.Background())
	require.ErrorIs(t, err, ErrBadCertificate)
	msg := err.Error()
	for _, want := range []string{host, "--ca-file", "CONVOX_CA_FILE", "--insecure-skip-verify", "CONVOX_INSECURE_SKIP_VERIFY"} {
		require.Contains(t, msg, want)
	}
	require.NotContains(t, msg, testPassword)
	require.Equal(t, 1, logs.count(`"message":"rack api"`), "a certificate error is never retried")

	err = c.AppLogs(context.Background(), "myapp", LogsOptions{}, io.Discard)
	require.ErrorIs(t, err, ErrBadCertificate, "websockets verify too")
	require.Contains(t, err.Error(), "--ca-file")
}

func TestTLSAcceptedWithCAFile(t *testing.T) {
	srv := tlsRack(t)
	cfg, _ := testConfig(srv.URL)
	cfg.CAFile = caFile(t, srv)
	c := newTestClient(t, cfg)
	sys, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	require.Equal(t, "staging", sys.Name)

	var out bytes.Buffer
	require.NoError(t, c.AppLogs(context.Background(), "myapp", LogsOptions{}, &out))
	require.Equal(t, "log line\n", out.String())
}

func TestTLSAcceptedWithInsecureSkipVerify(t *testing.T) {
	srv := tlsRack(t)
	cfg, logs := testConfig(srv.URL)
	cfg.InsecureSkipVerify = true
	c := newTestClient(t, cfg)
	require.Equal(t, 1, logs.count(`"level":"warn"`), "one warning when verification is off")
	_, err := c.SystemGet(context.Background())
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, c.AppLogs(context.Background(), "myapp", LogsOptions{}, &out))
	require.Equal(t, "log line\n", out.String())
	require.Equal(t, 1, logs.count(`"level":"warn"`))
}

func TestTLSBadCAFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "ca.pem")
	require.NoError(t, os.WriteFile(p, []byte("not a certificate"), 0o600))
	cfg, _ := testConfig("https://rack.example.org")
	cfg.CAFile = p
	_, err := New(cfg)
	require.ErrorContains(t, err, "no PEM certificates")

	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	_, err = New(cfg)
	require.ErrorContains(t, err, "reading the CA file")
}

func TestHTTPSClientAgainstPlainHTTP(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(srv.Close)
	cfg, _ := testConfig(strings.Replace(srv.URL, "http://", "https://", 1))
	c := newTestClient(t, cfg)
	_, err := c.SystemGet(context.Background())
	require.Error(t, err)
	require.Contains(t, err.Error(), "plain HTTP")
}
