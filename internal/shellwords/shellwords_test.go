package shellwords

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSplit(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		in   string
		want []string
	}{
		"plain":                      {"run web bin/migrate", []string{"run", "web", "bin/migrate"}},
		"blanks":                     {"  a\tb\n c  ", []string{"a", "b", "c"}},
		"empty":                      {"", nil},
		"double quotes":              {`run web "bin/migrate --all"`, []string{"run", "web", "bin/migrate --all"}},
		"single quotes":              {`env set 'A=x y' B=2`, []string{"env", "set", "A=x y", "B=2"}},
		"escaped blank":              {`echo a\ b`, []string{"echo", "a b"}},
		"empty quotes":               {`x "" ''`, []string{"x", "", ""}},
		"backslash n in double":      {`echo "\n"`, []string{"echo", `\n`}},
		"escapes in double":          {"echo \"\\\"\\\\\\$\\`\"", []string{"echo", "\"\\$`"}},
		"single keeps backslash":     {`echo '\"'`, []string{"echo", `\"`}},
		"continuation outside":       {"echo a\\\nb", []string{"echo", "ab"}},
		"continuation in double":     {"echo \"a\\\nb\"", []string{"echo", "ab"}},
		"quotes glue to the word":    {`a"b c"'d'`, []string{"ab cd"}},
		"lone continuation":          {"a \\\n b", []string{"a", "b"}},
		"other escapes in double":    {`echo "a \"b\" \$c \d"`, []string{"echo", `a "b" $c \d`}},
		"variables are not expanded": {"x ${A} $$ $B", []string{"x", "${A}", "$$", "$B"}},
		"a command in a command":     {`run web "echo \n"`, []string{"run", "web", `echo \n`}},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			got, err := Split(tc.in)
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestSplitProblems(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]error{
		`echo 'a`:  ErrSingleQuote,
		`echo "a`:  ErrDoubleQuote,
		`echo "\"`: ErrDoubleQuote,
		`echo \`:   ErrBackslash,
	} {
		_, err := Split(in)
		require.ErrorIs(t, err, want, in)
	}
}

func TestJoin(t *testing.T) {
	t.Parallel()
	require.Equal(t, "bin/migrate --all", Join([]string{"bin/migrate", "--all"}))
	require.Equal(t, `sh -c 'a && b'`, Join([]string{"sh", "-c", "a && b"}))
	require.Equal(t, `echo 'it'\''s' ''`, Join([]string{"echo", "it's", ""}))
	require.Equal(t, "", Join(nil))
}

// A real shell reads Join's output back as the same words.
func TestJoinAsAShellReadsIt(t *testing.T) {
	t.Parallel()
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	words := []string{"a b", "it's", "", `"q"`, `back\slash`, "$HOME", "`id`", "new\nline", "*", "ü"}
	out, err := exec.Command(sh, "-c", `for w in `+Join(words)+`; do printf '%s\0' "$w"; done`).Output()
	require.NoError(t, err)
	require.Equal(t, words, strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00"))
}

func FuzzSplitJoin(f *testing.F) {
	for _, seed := range []string{"", "a", "a b", "it's", `"\`, "\n", "a\x00b", "' '"} {
		f.Add(seed, "x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		words := []string{a, b}
		got, err := Split(Join(words))
		require.NoError(t, err)
		require.Equal(t, words, got)
	})
}

// Split never panics, and what it returns joins and splits back the same.
func FuzzSplit(f *testing.F) {
	for _, seed := range []string{"", `a "b c" 'd'`, `\`, `"\"`, "a\\\nb", `"\n"`} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		words, err := Split(s)
		if err != nil {
			return
		}
		again, err := Split(Join(words))
		require.NoError(t, err)
		require.Equal(t, len(words), len(again))
		for i := range words {
			require.Equal(t, words[i], again[i])
		}
	})
}
