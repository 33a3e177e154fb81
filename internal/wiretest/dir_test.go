package wiretest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestDir(t *testing.T) {
	t.Run("default is ../shared/wire beside go.mod", func(t *testing.T) {
		t.Setenv(EnvDir, "")
		dir, err := Dir()
		require.NoError(t, err)
		wd, err := os.Getwd()
		require.NoError(t, err)
		_, err = os.Stat(filepath.Join(wd, "..", "..", "go.mod")) // this package is internal/wiretest
		require.NoError(t, err)
		require.Equal(t, filepath.Join(wd, "..", "..", "..", "shared", "wire"), dir)
	})
	t.Run("env overrides", func(t *testing.T) {
		tmp := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(tmp, "one.txt"),
			[]byte("# Ran: x\n# Exit status: 4\n#1 >>> [+0.1s] GET /a? HTTP/1.1\n#1 >>> Host: h\n#1 >>> (no body)\n"), 0o600))
		t.Setenv(EnvDir, tmp)
		dir, err := Dir()
		require.NoError(t, err)
		require.Equal(t, tmp, dir)
		names, err := Names()
		require.NoError(t, err)
		require.Equal(t, []string{"one"}, names)
		tr, err := Load("one")
		require.NoError(t, err)
		require.Equal(t, 4, tr.Exit)
		require.Len(t, tr.Exchanges, 1)
		require.Nil(t, tr.Exchanges[0].Response)
		_, err = Load("missing")
		require.ErrorContains(t, err, "loading transcript missing")
	})
	t.Run("env pointing nowhere is an error naming it", func(t *testing.T) {
		bad := filepath.Join(t.TempDir(), "nope")
		t.Setenv(EnvDir, bad)
		_, err := Dir()
		require.ErrorContains(t, err, EnvDir)
		require.ErrorContains(t, err, bad)
	})
	t.Run("no go.mod above the working directory", func(t *testing.T) {
		t.Setenv(EnvDir, "")
		t.Chdir(t.TempDir())
		_, err := Dir()
		require.ErrorContains(t, err, EnvDir+" is unset")
		require.ErrorContains(t, err, "shared/wire")
	})
	t.Run("go.mod without shared/wire beside it", func(t *testing.T) {
		root := t.TempDir()
		mod := filepath.Join(root, "main")
		require.NoError(t, os.MkdirAll(filepath.Join(mod, "sub"), 0o755))
		require.NoError(t, os.WriteFile(filepath.Join(mod, "go.mod"), []byte("module x\n"), 0o600))
		t.Setenv(EnvDir, "")
		t.Chdir(filepath.Join(mod, "sub"))
		_, err := Dir()
		require.ErrorContains(t, err, EnvDir+" is unset")
		require.ErrorContains(t, err, filepath.Join(root, "shared", "wire"))
	})
}
