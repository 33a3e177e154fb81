package outfile

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCreateMakesTheFolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "dir", "r.json")
	require.NoError(t, WriteFile(path, []byte("{}\n")))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Equal(t, "{}\n", string(b))

	require.NoError(t, WriteFile(path, []byte("x")), "an existing file is replaced")
	b, _ = os.ReadFile(path)
	require.Equal(t, "x", string(b))
}

func TestCreateRefusesAFileWhereAFolderShouldBe(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o644))
	err := WriteFile(filepath.Join(dir, "file", "r.json"), nil)
	require.ErrorContains(t, err, "not a directory")
}

// Run as root in a workspace another user owns (GitHub mounts the runner's
// workspace into the action's container, which runs as root), the folders
// and file we create belong to the workspace's owner.
func TestAsRootCreatedPathsBelongToTheWorkspaceOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the case is a container running as root in a mounted workspace")
	}
	workspace := t.TempDir()
	const uid, gid = 4242, 4343
	require.NoError(t, os.Chown(workspace, uid, gid))
	path := filepath.Join(workspace, "out", "sub", "r.json")
	require.NoError(t, WriteFile(path, []byte("{}")))
	for _, p := range []string{filepath.Join(workspace, "out"), filepath.Join(workspace, "out", "sub"), path} {
		fi, err := os.Stat(p)
		require.NoError(t, err)
		st := fi.Sys().(*syscall.Stat_t)
		require.Equal(t, [2]uint32{uid, gid}, [2]uint32{st.Uid, st.Gid}, p)
	}

	// A folder root owns keeps root's files.
	mine := filepath.Join(t.TempDir(), "r.json")
	require.NoError(t, WriteFile(mine, nil))
	fi, _ := os.Stat(mine)
	require.Equal(t, uint32(0), fi.Sys().(*syscall.Stat_t).Uid)
}

func TestCheckFindsWhatCreateWouldFailOnAndLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "file"), []byte("x"), 0o644))
	require.NoError(t, os.Mkdir(filepath.Join(dir, "folder"), 0o755))

	require.NoError(t, Check(filepath.Join(dir, "new.json")))
	require.NoError(t, Check(filepath.Join(dir, "a", "b", "new.json")), "missing folders are created later")
	require.NoError(t, Check(filepath.Join(dir, "file")), "an existing file is rewritten")
	require.ErrorContains(t, Check(filepath.Join(dir, "folder")), "is a directory")
	require.ErrorContains(t, Check(filepath.Join(dir, "file", "x.json")), "not a directory")

	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	require.Equal(t, []string{"file", "folder"}, left, "nothing created")
	data, _ := os.ReadFile(filepath.Join(dir, "file"))
	require.Equal(t, "x", string(data), "not truncated")
}
