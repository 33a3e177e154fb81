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
