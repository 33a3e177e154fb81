package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOutputsKeepEarlierIDsWhenALaterCommandMadeNone(t *testing.T) {
	dir := t.TempDir()
	o := Outputs{BashEnv: filepath.Join(dir, "bash_env"), GitHubOutput: filepath.Join(dir, "out")}
	require.NoError(t, o.Write(Result{Status: "succeeded", BuildID: "BAAAAAAAAAA", ReleaseID: "RAAAAAAAAAA"}, NewSecrets()))
	require.NoError(t, o.Write(Result{Status: "succeeded"}, NewSecrets())) // e.g. `run` after `build`

	env, err := os.ReadFile(o.BashEnv)
	require.NoError(t, err)
	require.Equal(t, "export CONVOX_BUILD_ID='BAAAAAAAAAA'\nexport CONVOX_RELEASE_ID='RAAAAAAAAAA'\nexport CONVOX_STATUS='succeeded'\nexport CONVOX_STATUS='succeeded'\n", string(env))
	out, err := os.ReadFile(o.GitHubOutput)
	require.NoError(t, err)
	require.NotContains(t, string(out), "release_id=\n")
}

func TestOutputsAreRedactedAndSingleLine(t *testing.T) {
	dir := t.TempDir()
	s := NewSecrets()
	s.Add("hunter2-secret")
	o := Outputs{GitHubOutput: filepath.Join(dir, "out"), ResultFile: filepath.Join(dir, "r.json"), GitHubStepSummary: filepath.Join(dir, "sum")}
	require.NoError(t, o.Write(Result{Status: "failed", Error: "bad hunter2-secret", Target: "a\nrelease_id=forged"}, s))
	for _, f := range []string{o.GitHubOutput, o.ResultFile, o.GitHubStepSummary} {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NotContains(t, string(b), "hunter2-secret", f)
	}
	out, _ := os.ReadFile(o.GitHubOutput)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		require.False(t, strings.HasPrefix(line, "release_id="), "a value cannot forge another output: %q", line)
	}
}

func TestSecretsRedactTheirEncodingsAndSkipShortValues(t *testing.T) {
	s := NewSecrets()
	var masked []string
	s.OnAdd(func(v string) { masked = append(masked, v) })
	s.Add(`pa"ss/word`, "ab", `pa"ss/word`)
	require.Equal(t, []string{`pa"ss/word`}, masked, "each secret announced once; short ones ignored")
	require.Equal(t, "x [REDACTED] [REDACTED] [REDACTED] ab", s.String(`x pa"ss/word pa\"ss/word pa%22ss%2Fword ab`))
}

func TestLinesSplitsAcrossWrites(t *testing.T) {
	var got []string
	l := LineWriter(func(s string) { got = append(got, s) })
	l.Write([]byte("one\ntw"))
	l.Write([]byte("o\r\nthree"))
	l.Flush()
	require.Equal(t, []string{"one", "two", "three"}, got)
}

func TestNewLoggerRejectsUnknownSettings(t *testing.T) {
	_, err := NewLogger(os.Stderr, LogOptions{Format: "xml"}, NewSecrets())
	require.ErrorContains(t, err, "use auto, console or json")
	_, err = NewLogger(os.Stderr, LogOptions{Level: "loud"}, NewSecrets())
	require.ErrorContains(t, err, "unknown log level")
}

func TestLoggerRedactsSecretsAtEveryLevel(t *testing.T) {
	var b strings.Builder
	s := NewSecrets()
	s.Add("top-secret-value")
	log, err := NewLogger(&b, LogOptions{Format: "json", Level: "trace"}, s)
	require.NoError(t, err)
	log.Trace().Str("x", "top-secret-value").Msg("and top-secret-value here")
	log.Error().Msg(`json "top-secret-value"`)
	require.NotContains(t, b.String(), "top-secret-value")
	require.Equal(t, 3, strings.Count(b.String(), Redacted))
}
