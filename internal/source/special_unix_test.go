//go:build unix

package source

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

func TestPackageSkipsSocketsAndPipes(t *testing.T) {
	dir, err := os.MkdirTemp("", "src") // short: socket paths are limited to ~100 bytes
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	makeTree(t, dir, []node{{Name: "a", Body: "a"}})

	require.NoError(t, unix.Mkfifo(filepath.Join(dir, "fifo"), 0o644))
	l, err := net.Listen("unix", filepath.Join(dir, "sock"))
	require.NoError(t, err)
	t.Cleanup(func() { l.Close() })

	var buf bytes.Buffer
	stats, err := Package(t.Context(), Options{Dir: dir}, &buf)
	require.NoError(t, err)
	require.Equal(t, []string{"a"}, names(untar(t, buf.Bytes())))
	require.Equal(t, 2, stats.Skipped)
	require.Equal(t, 1, stats.Files)
}
