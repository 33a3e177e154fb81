package source

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// dockerignoreText exercises comments, globs, a leading slash, a directory
// and a directory excluded with an exception inside.
const dockerignoreText = `# build outputs
*.log
**/*.tmp
/build
node_modules
docs
!docs/keep.md
   # indented: still a comment? no, ReadAll only skips lines starting with "#"
`

// contextTree is the test build context.
var contextTree = []node{
	{Name: ".dockerignore", Body: dockerignoreText},
	{Name: ".git/HEAD", Body: "ref: refs/heads/main\n"},
	{Name: ".git/objects/ab/cdef", Body: "blob"},
	{Name: "Dockerfile", Body: "FROM scratch\n"},
	{Name: "app.log", Body: "log"},
	{Name: "bin/run.sh", Body: "#!/bin/sh\n", Mode: 0o755},
	{Name: "build/out.bin", Body: "bin"},
	{Name: "dangling", Link: "nowhere"},
	{Name: "docs/drop.md", Body: "drop"},
	{Name: "docs/keep.md", Body: "keep"},
	{Name: "docs/sub/keep.md", Body: "nested"},
	{Name: "empty/"},
	{Name: "latest.log", Link: "app.log"},
	{Name: "link-to-src", Link: "src"},
	{Name: "node_modules/pkg/index.js", Body: "js"},
	{Name: "private/", Mode: 0o700},
	{Name: "secret.txt", Body: "s", Mode: 0o600},
	{Name: "src/build/gen.go", Body: "package build\n"},
	{Name: "src/cache.tmp", Body: "tmp"},
	{Name: "src/debug.log", Body: "nested log"},
	{Name: "src/main.go", Body: "package main\n"},
	{Name: "src/node_modules/x.js", Body: "x"},
	{Name: "x.tmp", Body: "tmp"},
}

// contextWant is what Docker's archive.TarWithOptions puts in the tarball
// for contextTree, in its walk order (depth first, names sorted), worked out
// by hand from its rules. Left out, and why:
//   - app.log: "*.log" matches at the root.
//   - latest.log: a symlink is matched by its own name like any entry.
//   - x.tmp, src/cache.tmp: "**/*.tmp" matches at any depth, the root too.
//   - build/ and its contents: "/build" is cleaned to "build", anchored at
//     the root; the directory is matched and not descended.
//   - node_modules/: root only, not descended.
//   - docs/, docs/drop.md: "docs" matches; docs/ is still walked because the
//     exception "!docs/keep.md" starts with "docs/", but gets no entry.
//   - docs/sub/: matched through its parent, and no exception starts with
//     "docs/sub/", so it is pruned, keep.md inside it included.
//
// Kept, and why:
//   - .dockerignore and .git/: nothing excludes them.
//   - src/debug.log: "*" does not cross "/", so "*.log" is root only.
//   - src/build/, src/node_modules/: both patterns are anchored at the root.
//   - docs/keep.md: the exception re-includes it.
//   - empty/, private/: directories are entries even when empty.
//   - dangling, link-to-src: symlinks are stored, not followed, dangling or not.
//   - the 8th line: "   # indented..." is trimmed to a pattern starting
//     with "#" that matches nothing here.
var contextWant = []entry{
	{Name: ".dockerignore", Type: tar.TypeReg, Mode: 0o644, Body: dockerignoreText},
	{Name: ".git/", Type: tar.TypeDir, Mode: 0o755},
	{Name: ".git/HEAD", Type: tar.TypeReg, Mode: 0o644, Body: "ref: refs/heads/main\n"},
	{Name: ".git/objects/", Type: tar.TypeDir, Mode: 0o755},
	{Name: ".git/objects/ab/", Type: tar.TypeDir, Mode: 0o755},
	{Name: ".git/objects/ab/cdef", Type: tar.TypeReg, Mode: 0o644, Body: "blob"},
	{Name: "Dockerfile", Type: tar.TypeReg, Mode: 0o644, Body: "FROM scratch\n"},
	{Name: "bin/", Type: tar.TypeDir, Mode: 0o755},
	{Name: "bin/run.sh", Type: tar.TypeReg, Mode: 0o755, Body: "#!/bin/sh\n"},
	{Name: "dangling", Type: tar.TypeSymlink, Mode: 0o777, Link: "nowhere"},
	{Name: "docs/keep.md", Type: tar.TypeReg, Mode: 0o644, Body: "keep"},
	{Name: "empty/", Type: tar.TypeDir, Mode: 0o755},
	{Name: "link-to-src", Type: tar.TypeSymlink, Mode: 0o777, Link: "src"},
	{Name: "private/", Type: tar.TypeDir, Mode: 0o700},
	{Name: "secret.txt", Type: tar.TypeReg, Mode: 0o600, Body: "s"},
	{Name: "src/", Type: tar.TypeDir, Mode: 0o755},
	{Name: "src/build/", Type: tar.TypeDir, Mode: 0o755},
	{Name: "src/build/gen.go", Type: tar.TypeReg, Mode: 0o644, Body: "package build\n"},
	{Name: "src/debug.log", Type: tar.TypeReg, Mode: 0o644, Body: "nested log"},
	{Name: "src/main.go", Type: tar.TypeReg, Mode: 0o644, Body: "package main\n"},
	{Name: "src/node_modules/", Type: tar.TypeDir, Mode: 0o755},
	{Name: "src/node_modules/x.js", Type: tar.TypeReg, Mode: 0o644, Body: "x"},
}

func TestPackageHoldsTreeMinusDockerignore(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, contextTree)

	var buf bytes.Buffer
	stats, err := Package(t.Context(), Options{Dir: dir}, &buf)
	require.NoError(t, err)

	require.Equal(t, contextWant, untar(t, buf.Bytes()))
	require.Equal(t, Stats{
		Files: 11, Dirs: 9, Symlinks: 2,
		Bytes:      int64(len(dockerignoreText) + len("ref: refs/heads/main\n") + len("blob") + len("FROM scratch\n") + len("#!/bin/sh\n") + len("keep") + len("s") + len("package build\n") + len("nested log") + len("package main\n") + len("x")),
		Excluded:   9, // app.log build docs docs/drop.md docs/sub latest.log node_modules src/cache.tmp x.tmp
		Compressed: int64(buf.Len()),
	}, stats)
}

func TestPackageOptions(t *testing.T) {
	tests := map[string]struct {
		ignore string // contents of an ignore file outside the tree; "" for none
		want   []string
	}{
		"no dockerignore packages everything": {
			want: []string{"Dockerfile", "a.log", "sub/", "sub/b.tmp"},
		},
		"explicit ignore file wins over the tree's": {
			ignore: "sub\n",
			want:   []string{".dockerignore", "Dockerfile", "a.log"},
		},
		"patterns can exclude .dockerignore and Dockerfile": {
			ignore: ".dockerignore\nDockerfile\n",
			want:   []string{"a.log", "sub/", "sub/b.tmp"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			tree := []node{{Name: "Dockerfile", Body: "FROM scratch\n"}, {Name: "a.log", Body: "a"}, {Name: "sub/b.tmp", Body: "b"}}
			opts := Options{Dir: dir}
			if tc.ignore != "" {
				// The tree's own .dockerignore would exclude everything.
				tree = append(tree, node{Name: ".dockerignore", Body: "*\n"})
				opts.Dockerignore = filepath.Join(t.TempDir(), "custom.ignore")
				require.NoError(t, os.WriteFile(opts.Dockerignore, []byte(tc.ignore), 0o644))
			}
			makeTree(t, dir, tree)

			var buf bytes.Buffer
			_, err := Package(t.Context(), opts, &buf)
			require.NoError(t, err)
			require.Equal(t, tc.want, names(untar(t, buf.Bytes())))
		})
	}
}

func TestPackageResolvesSymlinkedRoot(t *testing.T) {
	real := t.TempDir()
	makeTree(t, real, []node{{Name: "Dockerfile", Body: "FROM scratch\n"}, {Name: ".dockerignore", Body: "*.log\n"}, {Name: "a.log", Body: "a"}})
	link := filepath.Join(t.TempDir(), "ctx")
	require.NoError(t, os.Symlink(real, link))

	var buf bytes.Buffer
	_, err := Package(t.Context(), Options{Dir: link}, &buf)
	require.NoError(t, err)
	require.Equal(t, []string{".dockerignore", "Dockerfile"}, names(untar(t, buf.Bytes())))
}

func TestPackageStoresHardLinksAsFiles(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, []node{{Name: "a", Body: "same"}})
	require.NoError(t, os.Link(filepath.Join(dir, "a"), filepath.Join(dir, "b")))
	makeTree(t, dir, nil) // re-pin mtimes

	var buf bytes.Buffer
	_, err := Package(t.Context(), Options{Dir: dir}, &buf)
	require.NoError(t, err)
	require.Equal(t, []entry{
		{Name: "a", Type: tar.TypeReg, Mode: 0o644, Body: "same"},
		{Name: "b", Type: tar.TypeReg, Mode: 0o644, Body: "same"},
	}, untar(t, buf.Bytes()))
}

func TestPackageErrors(t *testing.T) {
	tests := map[string]struct {
		setup   func(t *testing.T, dir string) Options
		wantErr string
		local   bool // a *source.Error
	}{
		"missing directory": {
			setup:   func(t *testing.T, dir string) Options { return Options{Dir: filepath.Join(dir, "nope")} },
			wantErr: "no such file or directory",
			local:   true,
		},
		"context is a file": {
			setup: func(t *testing.T, dir string) Options {
				makeTree(t, dir, []node{{Name: "f", Body: "x"}})
				return Options{Dir: filepath.Join(dir, "f")}
			},
			wantErr: "not a directory",
			local:   true,
		},
		"invalid pattern": {
			setup: func(t *testing.T, dir string) Options {
				makeTree(t, dir, []node{{Name: ".dockerignore", Body: "[\n"}})
				return Options{Dir: dir}
			},
			wantErr: `invalid pattern "[": syntax error in pattern`,
			local:   true,
		},
		"lone exclamation mark": {
			setup: func(t *testing.T, dir string) Options {
				makeTree(t, dir, []node{{Name: ".dockerignore", Body: "!\n"}})
				return Options{Dir: dir}
			},
			wantErr: `illegal exclusion pattern: "!"`,
		},
		"bad level": {
			setup:   func(t *testing.T, dir string) Options { return Options{Dir: dir, Level: 42} },
			wantErr: "invalid compression level",
		},
		"block size too small": {
			setup:   func(t *testing.T, dir string) Options { return Options{Dir: dir, BlockSize: 1024} },
			wantErr: "block size",
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			opts := tc.setup(t, t.TempDir())
			_, err := Package(t.Context(), opts, &bytes.Buffer{})
			require.ErrorContains(t, err, tc.wantErr)
			if tc.local {
				var se *Error
				require.True(t, errors.As(err, &se) && se.LocalError(), "a *source.Error: this machine's problem, %v", err)
			}
		})
	}
}

func TestPackageNamesUnreadablePath(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads everything")
	}
	dir := t.TempDir()
	makeTree(t, dir, []node{{Name: "src/x", Body: "x", Mode: 0o200}})

	_, err := Package(t.Context(), Options{Dir: dir}, &bytes.Buffer{})
	require.EqualError(t, err, "reading src/x: permission denied")
	require.ErrorIs(t, err, os.ErrPermission)
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

var errSink = errors.New("sink is full")

func (f *failWriter) Write(b []byte) (int, error) {
	if len(b) > f.n {
		n := f.n
		f.n = 0
		return n, errSink
	}
	f.n -= len(b)
	return len(b), nil
}

func TestPackageReportsWriterError(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, bigTree(t, 8, 200<<10))

	_, err := Package(t.Context(), Options{Dir: dir, BlockSize: 64 << 10, Concurrency: 2, Level: 1}, &failWriter{n: 100})
	require.ErrorIs(t, err, errSink)
}

func TestPackageStopsOnCancelledContext(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, bigTree(t, 4, 1<<10))
	ctx, cancel := context.WithCancel(t.Context())
	cancel()

	_, err := Package(ctx, Options{Dir: dir}, &bytes.Buffer{})
	require.ErrorIs(t, err, context.Canceled)
}

// bigTree returns n files of size bytes of mildly compressible text.
func bigTree(t *testing.T, n, size int) []node {
	t.Helper()
	nodes := make([]node, 0, n)
	for i := range n {
		body := strings.Repeat(string(rune('a'+i%26))+"0123456789 ", size/12+1)[:size]
		nodes = append(nodes, node{Name: filepath.Join("d", string(rune('a'+i%26)), strings.Repeat("f", 1+i/26)), Body: body})
	}
	return nodes
}
