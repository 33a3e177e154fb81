package rack

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// rackCert is a certificate shaped like a real Rack's own (stdapi's
// self-signed one): CN=api, SAN DNS:api, no IP SAN, not a CA.
func rackCert(t *testing.T) (tls.Certificate, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "api"},
		DNSNames:     []string{"api"},
		NotBefore:    time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

func TestCAFileWithARacksSelfSignedLeafTrustsExactlyIt(t *testing.T) {
	cert, certPEM := rackCert(t)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"name":"staging"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	file := func(pemBytes []byte) string {
		p := filepath.Join(t.TempDir(), "rack.pem")
		require.NoError(t, os.WriteFile(p, pemBytes, 0o600))
		return p
	}
	ctx := context.Background()

	c := newTestClient(t, Config{Host: srv.URL, Password: "pw"})
	_, err := c.SystemGet(ctx)
	require.ErrorIs(t, err, ErrBadCertificate, "refused by default")
	require.ErrorContains(t, err, "a Rack's own self-signed certificate", "the error says what --ca-file can take")

	c = newTestClient(t, Config{Host: srv.URL, Password: "pw", CAFile: file(certPEM)})
	sys, err := c.SystemGet(ctx)
	require.NoError(t, err, "its own certificate, although it names api and the host is %s", srv.URL)
	require.Equal(t, "staging", sys.Name)

	_, otherPEM := rackCert(t)
	c = newTestClient(t, Config{Host: srv.URL, Password: "pw", CAFile: file(otherPEM)})
	_, err = c.SystemGet(ctx)
	require.ErrorIs(t, err, ErrBadCertificate, "another leaf is not this Rack's")
}
