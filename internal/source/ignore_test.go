package source

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadIgnore(t *testing.T) {
	tests := map[string]struct {
		text string
		want []string
	}{
		"comments, blanks and spaces": {
			text: "# comment\n\n  *.log  \n\t\n",
			want: []string{"*.log"},
		},
		"byte order mark is stripped": {
			text: "\xEF\xBB\xBFnode_modules\n",
			want: []string{"node_modules"},
		},
		"leading slash is dropped and paths cleaned": {
			text: "/build\n./dist/\na/../b\n",
			want: []string{"build", "dist", "b"},
		},
		"exceptions keep their bang, spaces after it trimmed": {
			text: "docs\n! docs/keep.md\n!/docs/also.md\n",
			want: []string{"docs", "!docs/keep.md", "!docs/also.md"},
		},
		"a hash after spaces is a pattern, not a comment": {
			text: "  #literal\n",
			want: []string{"#literal"},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), ".dockerignore")
			require.NoError(t, os.WriteFile(path, []byte(tc.text), 0o644))
			ign, err := LoadIgnore(path)
			require.NoError(t, err)
			require.Equal(t, tc.want, ign.Patterns())
		})
	}
}

func TestLoadIgnoreMissingFileExcludesNothing(t *testing.T) {
	ign, err := LoadIgnore(filepath.Join(t.TempDir(), ".dockerignore"))
	require.NoError(t, err)
	require.Empty(t, ign.Patterns())
	require.False(t, ign.Excluded("anything/at/all", false))
}

func TestLoadIgnoreUnreadable(t *testing.T) {
	_, err := LoadIgnore(t.TempDir()) // a directory cannot be read as a file
	require.ErrorContains(t, err, "is a directory")
}

// TestIgnoreExcluded encodes Docker's decisions (archive.TarWithOptions with
// patternmatcher) path by path. Each case says why.
func TestIgnoreExcluded(t *testing.T) {
	type check struct {
		path  string
		isDir bool
		want  bool
	}
	tests := map[string]struct {
		patterns []string
		checks   []check
	}{
		"star does not cross slashes": {
			patterns: []string{"*.log"},
			checks: []check{
				{path: "a.log", want: true},
				{path: "src/a.log", want: false},
				{path: "a.log/inner", want: true}, // a matched parent excludes its contents
			},
		},
		"double star matches any depth, zero included": {
			patterns: []string{"**/*.tmp"},
			checks: []check{
				{path: "x.tmp", want: true},
				{path: "a/b/c/x.tmp", want: true},
				{path: "a/b/c/x.tmpl", want: false},
			},
		},
		"names are anchored at the root": {
			patterns: []string{"build", "node_modules"},
			checks: []check{
				{path: "build", isDir: true, want: true},
				{path: "build/out", want: true},
				{path: "src/build", isDir: true, want: false},
				{path: "src/node_modules/x.js", want: false},
				{path: "buildx", want: false},
			},
		},
		"exception inside an excluded directory": {
			patterns: []string{"docs", "!docs/keep.md"},
			checks: []check{
				{path: "docs", isDir: true, want: true}, // walked, but no entry of its own
				{path: "docs/keep.md", want: false},
				{path: "docs/drop.md", want: true},
				{path: "docs/sub", isDir: true, want: true},
				{path: "docs/sub/keep.md", want: true}, // docs/sub is pruned: no exception starts with "docs/sub/"
			},
		},
		"deep exception keeps every directory on its way walked": {
			patterns: []string{"docs", "!docs/sub/keep.md"},
			checks: []check{
				{path: "docs/sub", isDir: true, want: true},
				{path: "docs/sub/keep.md", want: false},
				{path: "docs/sub/other.md", want: true},
			},
		},
		"Docker prunes when the exception is not a literal prefix": {
			// "**/keep.md/" does not start with "docs/", so docs/ is never
			// walked and the exception cannot bring keep.md back, although
			// MatchesOrParentMatches alone would say it is not excluded.
			patterns: []string{"docs", "!**/keep.md"},
			checks: []check{
				{path: "docs/keep.md", want: true},
				{path: "keep.md", want: false},
			},
		},
		"exclude everything but one directory": {
			patterns: []string{"*", "!src"},
			checks: []check{
				{path: "src", isDir: true, want: false},
				{path: "src/main.go", want: false},
				{path: "README.md", want: true},
				{path: ".dockerignore", want: true},
			},
		},
		"later patterns win": {
			patterns: []string{"!a.txt", "*.txt"},
			checks: []check{
				{path: "a.txt", want: true},
			},
		},
		"dot git and dockerignore are ordinary names": {
			patterns: []string{".git"},
			checks: []check{
				{path: ".git/HEAD", want: true},
				{path: ".dockerignore", want: false},
				{path: "sub/.git", isDir: true, want: false},
			},
		},
		"prefix double star": {
			patterns: []string{"vendor/**", "!vendor/keep/**"},
			checks: []check{
				{path: "vendor/a/b.go", want: true},
				{path: "vendor/keep/b.go", want: false},
			},
		},
		"slashes around the path are ignored": {
			patterns: []string{"a/b"},
			checks: []check{
				{path: "/a/b/", isDir: true, want: true},
				{path: "", isDir: true, want: false},
				{path: ".", isDir: true, want: false},
			},
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			ign, err := NewIgnore(tc.patterns)
			require.NoError(t, err)
			for _, c := range tc.checks {
				require.Equal(t, c.want, ign.Excluded(c.path, c.isDir), "Excluded(%q)", c.path)
			}
		})
	}
}

// TestIgnoreExcludedAgreesWithPackage checks the standalone decision against
// the walk, entry by entry, on the package test tree.
func TestIgnoreExcludedAgreesWithPackage(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, contextTree)
	ign, err := LoadIgnore(filepath.Join(dir, ".dockerignore"))
	require.NoError(t, err)

	packaged := map[string]bool{}
	for _, e := range contextWant {
		packaged[e.Name] = true
	}
	for _, n := range contextTree {
		name := filepath.ToSlash(n.Name)
		isDir := name[len(name)-1] == '/'
		if !isDir && packaged[name+"/"] {
			continue
		}
		require.Equal(t, !packaged[name], ign.Excluded(name, isDir), "Excluded(%q)", name)
	}
}
