package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// Files too deep or too big are refused before the YAML parser sees them,
// whatever form the nesting takes; the message says what and how to fix it.
func TestDeepOrHugeFilesAreRefusedBeforeParsing(t *testing.T) {
	const deep = 50000
	for name, data := range map[string]string{
		"flow sequences":   strings.Repeat("[", deep) + strings.Repeat("]", deep),
		"flow mappings":    "targets: " + strings.Repeat("{a: ", deep) + "1" + strings.Repeat("}", deep),
		"block sequences":  "targets:\n  s:\n    steps:\n      " + strings.Repeat("- ", deep) + "build\n",
		"complex keys":     strings.Repeat("? ", deep) + "a\n",
		"indentation":      indented(MaxDepth + 2),
		"flow over lines":  "targets:\n" + strings.Repeat("  [\n", MaxDepth+1),
		"just under limit": indented(MaxDepth - 2),
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("convox-ci.yml", []byte(data), env(nil))
			var ce *Error
			require.True(t, errors.As(err, &ce), "%v", err)
			if name == "just under limit" {
				require.NotContains(t, ce.Msg, "nests more than", "a file within the limit reaches the parser")
				return
			}
			require.Contains(t, ce.Msg, "nests more than 64 levels deep")
			require.Contains(t, ce.Fix, "flatten it")
		})
	}
	big := "app: a\n# " + strings.Repeat("x", MaxFileSize) + "\n"
	_, err := Parse("convox-ci.yml", []byte(big), env(nil))
	require.ErrorContains(t, err, "more than the 262144 a rules file may have")
}

// indented nests n mappings by indentation.
func indented(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(strings.Repeat(" ", i) + "k:\n")
	}
	return b.String()
}

// A real rules file is well within the limits, block scalars and comments
// included.
func TestRealFilesAreWithinTheLimits(t *testing.T) {
	for _, name := range []string{"full.yml", "match.yml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		_, depth := nesting(data, MaxDepth)
		require.LessOrEqual(t, depth, 10, name)
	}
	body := strings.ReplaceAll(indented(80), "k:\n", "echo\n")
	script := "targets:\n  s:\n    steps:\n      - run: |\n" + strings.ReplaceAll("\n"+body, "\n", "\n          ")[1:] + "\n      - deploy\n"
	_, depth := nesting([]byte(script), MaxDepth)
	require.LessOrEqual(t, depth, 6, "a block scalar's own indentation is text, not nesting")
}

func TestLoadRefusesADirectoryAsAnError(t *testing.T) {
	dir := t.TempDir()
	_, err := Load(dir, env(nil))
	var ce *Error
	require.True(t, errors.As(err, &ce), "%v", err)
	require.Contains(t, ce.Msg, "is a directory")
	require.Contains(t, ce.Fix, filepath.Join(dir, DefaultFile))

	_, err = Load(filepath.Join(dir, "missing.yml"), env(nil))
	require.ErrorIs(t, err, os.ErrNotExist, "a missing file stays recognisable")
}
