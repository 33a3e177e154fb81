package source

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// entry is one tar entry as the tests compare it.
type entry struct {
	Name string
	Type byte
	Mode int64
	Link string
	Body string
}

// node is one thing to create in a test tree: a file (Body), a directory
// (Name ends in "/") or a symlink (Link).
type node struct {
	Name string
	Body string
	Link string
	Mode os.FileMode
}

// testMtime is the mtime given to every created path, so headers are known.
var testMtime = time.Date(2024, 5, 6, 7, 8, 9, 500_000_000, time.UTC)

// makeTree creates nodes under dir in order and pins their mtimes.
func makeTree(t *testing.T, dir string, nodes []node) {
	t.Helper()
	for _, n := range nodes {
		p := filepath.Join(dir, filepath.FromSlash(strings.TrimSuffix(n.Name, "/")))
		require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
		switch {
		case n.Link != "":
			require.NoError(t, os.Symlink(n.Link, p))
			continue
		case strings.HasSuffix(n.Name, "/"):
			mode := n.Mode
			if mode == 0 {
				mode = 0o755
			}
			require.NoError(t, os.MkdirAll(p, mode))
			require.NoError(t, os.Chmod(p, mode))
		default:
			mode := n.Mode
			if mode == 0 {
				mode = 0o644
			}
			require.NoError(t, os.WriteFile(p, []byte(n.Body), mode))
			require.NoError(t, os.Chmod(p, mode))
		}
	}
	// Pin mtimes, symlinks' own included, once everything exists.
	require.NoError(t, filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		tv := unix.NsecToTimeval(testMtime.UnixNano())
		return unix.Lutimes(p, []unix.Timeval{tv, tv})
	}))
}

// untar decompresses and lists a tar.gz stream.
func untar(t *testing.T, data []byte) []entry {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	require.NoError(t, err)
	tr := tar.NewReader(zr)
	var out []entry
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		require.NoError(t, err)
		body, err := io.ReadAll(tr)
		require.NoError(t, err)
		require.Equal(t, testMtime.Truncate(time.Second), hdr.ModTime.UTC(), "mtime of %s", hdr.Name)
		require.Empty(t, hdr.Uname, "uname of %s", hdr.Name)
		require.Empty(t, hdr.Gname, "gname of %s", hdr.Name)
		require.Equal(t, os.Getuid(), hdr.Uid, "uid of %s", hdr.Name)
		require.True(t, hdr.AccessTime.IsZero(), "atime of %s", hdr.Name)
		out = append(out, entry{Name: hdr.Name, Type: hdr.Typeflag, Mode: hdr.Mode, Link: hdr.Linkname, Body: string(body)})
	}
	_, err = zr.Read(make([]byte, 1))
	require.ErrorIs(t, err, io.EOF, "nothing after the gzip stream")
	return out
}

// names lists entry names in order.
func names(entries []entry) []string {
	out := make([]string, 0, len(entries))
	for _, e := range entries {
		out = append(out, e.Name)
	}
	return out
}
