package cienv

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/sethvargo/go-envconfig"
	"github.com/stretchr/testify/require"
)

// gitRepo makes a repository with one tagged commit on main and returns its
// path and a function running git in it.
func gitRepo(t *testing.T) (string, func(args ...string)) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	run := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir,
			"-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false",
			"-c", "tag.gpgsign=false", "-c", "init.defaultBranch=main"}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "git %v: %s", args, out)
	}
	run("init", "-q")
	require.NoError(t, os.WriteFile(dir+"/README", []byte("hello\n"), 0o600))
	run("add", "README")
	run("commit", "-q", "-m", "first")
	run("tag", "v1.9.0")
	run("tag", "-a", "-m", "release", "v1.10.0")
	run("tag", "v1.2.0")
	return dir, run
}

func TestNewGit(t *testing.T) {
	t.Parallel()
	dir, run := gitRepo(t)
	g := NewGit(dir)

	sha, err := g.Commit(t.Context())
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), sha)

	branch, err := g.Branch(t.Context())
	require.NoError(t, err)
	require.Equal(t, "main", branch)

	tags, err := g.TagsAtHead(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"v1.10.0", "v1.9.0", "v1.2.0"}, tags, "highest version first")

	run("checkout", "-q", "--detach")
	branch, err = g.Branch(t.Context())
	require.NoError(t, err)
	require.Empty(t, branch, "detached HEAD")

	got, err := Detect(t.Context(), envconfig.MapLookuper(map[string]string{"CI": "true"}), g)
	require.NoError(t, err)
	require.Equal(t, summary{Provider: "generic", Tag: "v1.10.0", Commit: sha}, summarise(got))
	require.Equal(t, SourceGit, got.Sources[FieldTag])
}

func TestNewGitOutsideARepository(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	g := gitCLI{dir: dir, env: []string{"GIT_CEILING_DIRECTORIES=" + os.TempDir()}}
	_, err := g.Commit(t.Context())
	require.Error(t, err)
	require.Contains(t, err.Error(), "git rev-parse: fatal: not a git repository")

	got, err := Detect(t.Context(), envconfig.MapLookuper(map[string]string{}), g)
	require.NoError(t, err, "git failures are never fatal")
	require.Equal(t, summary{Provider: "local"}, summarise(got))
}

// A tag named like the branch makes `rev-parse --abbrev-ref HEAD` print
// heads/master; the branch is still master.
func TestNewGitBranchWithATagOfTheSameName(t *testing.T) {
	t.Parallel()
	dir, run := gitRepo(t)
	run("checkout", "-q", "-b", "master")
	run("tag", "master")
	branch, err := NewGit(dir).Branch(t.Context())
	require.NoError(t, err)
	require.Equal(t, "master", branch)

	got, err := Detect(t.Context(), envconfig.MapLookuper(map[string]string{"CI": "true"}), NewGit(dir))
	require.NoError(t, err)
	require.Equal(t, "master", got.Branch)
	require.Equal(t, SourceGit, got.Sources[FieldBranch])
}

// drone exec --event tag names no tag: in a checkout of branch master
// tagged v1.0.0, the tag wins.
func TestDroneTagEventInARealCheckout(t *testing.T) {
	t.Parallel()
	dir, run := gitRepo(t)
	run("checkout", "-q", "-b", "master")
	run("tag", "v1.0.0")
	env := map[string]string{"DRONE": "true", "DRONE_BUILD_EVENT": "tag"}
	got, err := Detect(t.Context(), envconfig.MapLookuper(env), NewGit(dir))
	require.NoError(t, err)
	require.Equal(t, "v1.10.0", got.Tag, "the highest version at HEAD")
	require.Empty(t, got.Branch)

	delete(env, "DRONE_BUILD_EVENT")
	got, err = Detect(t.Context(), envconfig.MapLookuper(env), NewGit(dir))
	require.NoError(t, err)
	require.Equal(t, "master", got.Branch, "without the tag event git's branch wins")
}

// A checkout owned by another user: git refuses it ("dubious ownership")
// unless told safe.directory; our reads work, and a failing git says why.
func TestNewGitCheckoutOwnedByAnotherUser(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give the checkout to another uid")
	}
	dir, _ := gitRepo(t)
	require.NoError(t, filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(path, 4242, 4242)
	}))
	// Plain git refuses, as it would in the image.
	cmd := exec.Command("git", "-C", dir, "rev-parse", "HEAD")
	cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null")
	out, err := cmd.CombinedOutput()
	require.Error(t, err, "git should refuse a checkout owned by another user: %s", out)
	require.Contains(t, string(out), "dubious ownership")

	g := gitCLI{dir: dir, env: []string{"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null"}}
	sha, err := g.Commit(t.Context())
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^[0-9a-f]{40}$`), sha)
	branch, err := g.Branch(t.Context())
	require.NoError(t, err)
	require.Equal(t, "main", branch)
	got, err := Detect(t.Context(), envconfig.MapLookuper(map[string]string{"CI": "true"}), g)
	require.NoError(t, err)
	require.Equal(t, "main", got.Branch)
	require.Empty(t, got.GitError)
}

// When git fails, Detect keeps git's own reason.
func TestDetectKeepsGitsReason(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	g := gitCLI{dir: t.TempDir(), env: []string{"GIT_CEILING_DIRECTORIES=" + os.TempDir()}}
	got, err := Detect(t.Context(), envconfig.MapLookuper(map[string]string{"CI": "true"}), g)
	require.NoError(t, err)
	require.Contains(t, got.GitError, "not a git repository")
	require.Empty(t, got.Branch)
}
