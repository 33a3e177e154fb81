package wiretest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The transcripts travel with the package: every testdata/*.txt file is built in, byte for byte, so a test in
// another package (whose working directory is its own folder) reads the same recordings.
func TestTranscriptsAreBuiltInByteForByte(t *testing.T) {
	names, err := Names()
	require.NoError(t, err)
	files, err := filepath.Glob(filepath.Join("testdata", "*.txt"))
	require.NoError(t, err)
	require.Len(t, names, len(files))
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".txt")
		want, err := os.ReadFile(f)
		require.NoError(t, err)
		got, err := Raw(name)
		require.NoError(t, err)
		require.Equal(t, want, got, name)
	}
}

func TestLoadUnknownNameNamesIt(t *testing.T) {
	_, err := Load("missing")
	require.ErrorContains(t, err, "loading transcript missing")
}

func TestLoadParses(t *testing.T) {
	tr, err := Load("rack")
	require.NoError(t, err)
	require.Equal(t, "rack", tr.Name)
	require.Equal(t, 0, tr.Exit)
	require.Equal(t, "GET", tr.First("GET", "/system").Request.Method)
}
