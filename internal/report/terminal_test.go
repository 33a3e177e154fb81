package report

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestIsTerminal(t *testing.T) {
	t.Parallel()
	t.Run("/dev/null is a character device but not a terminal", func(t *testing.T) {
		t.Parallel()
		f, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
		require.NoError(t, err)
		defer f.Close()
		st, err := f.Stat()
		require.NoError(t, err)
		require.NotZero(t, st.Mode()&os.ModeCharDevice, "the trap: /dev/null is a character device")
		require.False(t, IsTerminal(f))
	})
	t.Run("a file is not a terminal", func(t *testing.T) {
		t.Parallel()
		f, err := os.Create(filepath.Join(t.TempDir(), "out"))
		require.NoError(t, err)
		defer f.Close()
		require.False(t, IsTerminal(f))
	})
	t.Run("a pipe is not a terminal", func(t *testing.T) {
		t.Parallel()
		r, w, err := os.Pipe()
		require.NoError(t, err)
		defer r.Close()
		defer w.Close()
		require.False(t, IsTerminal(r))
		require.False(t, IsTerminal(w))
	})
}
