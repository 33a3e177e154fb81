package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/require"
)

// The orb's install script skips the download only when the installed
// convox-ci is exactly the pinned version: 11.0.0 or 1.0.0-rc1 is not 1.0.0.
func TestInstallScriptChecksTheVersionExactly(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("bash"); err != nil {
		t.Skip("bash:", err)
	}
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("curl:", err)
	}
	archive := fmt.Sprintf("convox-ci_1.0.0_%s_%s.tar.gz", goruntime.GOOS, goruntime.GOARCH)
	tgz := tarGz(t, "convox-ci", "#!/bin/sh\necho 'convox-ci 1.0.0'\n")
	sum := sha256.Sum256(tgz)
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/v1.0.0/" + archive:
			w.Write(tgz)
		case "/v1.0.0/checksums.txt":
			fmt.Fprintf(w, "%s  %s\n", hex.EncodeToString(sum[:]), archive)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	script, err := filepath.Abs("../../orbs/src/scripts/install.sh")
	require.NoError(t, err)

	for installed, wantDownload := range map[string]bool{
		"convox-ci 1.0.0 (abc, 2026-01-01)": false,
		"convox-ci v1.0.0":                  false,
		"convox-ci 11.0.0":                  true,
		"convox-ci 1.0.0-rc1":               true,
		"convox-ci 1.0.01":                  true,
	} {
		t.Run(installed, func(t *testing.T) {
			requests.Store(0)
			path := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(path, "convox-ci"), []byte("#!/bin/sh\necho '"+installed+"'\n"), 0o755))
			dir := t.TempDir()
			cmd := exec.Command("bash", script)
			cmd.Env = append(os.Environ(), "PATH="+path+string(os.PathListSeparator)+os.Getenv("PATH"),
				"PARAM_VERSION=1.0.0", "PARAM_INSTALL_DIR="+dir, "PARAM_BASE_URL="+srv.URL)
			out, err := cmd.CombinedOutput()
			require.NoError(t, err, string(out))
			if wantDownload {
				require.Equal(t, int32(2), requests.Load(), string(out))
				require.FileExists(t, filepath.Join(dir, "convox-ci"))
				require.Contains(t, string(out), "installed convox-ci 1.0.0")
			} else {
				require.Zero(t, requests.Load(), string(out))
				require.NoFileExists(t, filepath.Join(dir, "convox-ci"))
				require.Contains(t, string(out), "convox-ci 1.0.0 is already installed")
			}
		})
	}
}

func tarGz(t *testing.T, name, body string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	require.NoError(t, tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(body))}))
	_, err := tw.Write([]byte(body))
	require.NoError(t, err)
	require.NoError(t, tw.Close())
	require.NoError(t, gz.Close())
	return buf.Bytes()
}
