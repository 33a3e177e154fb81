package report

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOutputsKeepEarlierIDsWhenALaterCommandMadeNone(t *testing.T) {
	dir := t.TempDir()
	o := Outputs{BashEnv: filepath.Join(dir, "bash_env"), GitHubOutput: filepath.Join(dir, "out")}
	require.NoError(t, o.Write(Result{Status: "succeeded", BuildID: "BAAAAAAAAAA", ReleaseID: "RAAAAAAAAAA"}))
	require.NoError(t, o.Write(Result{Status: "succeeded"})) // e.g. `run` after `build`

	env, err := os.ReadFile(o.BashEnv)
	require.NoError(t, err)
	require.Equal(t, "export CONVOX_BUILD_ID=BAAAAAAAAAA\nexport CONVOX_RELEASE_ID=RAAAAAAAAAA\nexport CONVOX_STATUS=succeeded\nexport CONVOX_STATUS=succeeded\n", string(env))
	out, err := os.ReadFile(o.GitHubOutput)
	require.NoError(t, err)
	require.NotContains(t, string(out), "release_id=\n")
}

func TestOutputsAreWrittenFromValuesAndSingleLine(t *testing.T) {
	dir := t.TempDir()
	o := Outputs{GitHubOutput: filepath.Join(dir, "out"), ResultFile: filepath.Join(dir, "r.json"),
		GitHubStepSummary: filepath.Join(dir, "sum"), BashEnv: filepath.Join(dir, "bash_env")}
	// Values a secret may equal (an env value RELEASE, production) are
	// written as they are: outputs are never passed through the redactor.
	r := Result{Status: "succeeded", Target: "production", Rack: "org/production", App: "RELEASE", ReleaseID: "RELEASE1", BuildID: "B1"}
	require.NoError(t, o.Write(r))
	out, _ := os.ReadFile(o.GitHubOutput)
	require.Equal(t, "app=RELEASE\nbuild_id=B1\nrack=org/production\nrelease_id=RELEASE1\nstatus=succeeded\ntarget=production\n", string(out))
	env, _ := os.ReadFile(o.BashEnv)
	require.Equal(t, "export CONVOX_APP=RELEASE\nexport CONVOX_BUILD_ID=B1\nexport CONVOX_RACK=org/production\nexport CONVOX_RELEASE_ID=RELEASE1\nexport CONVOX_STATUS=succeeded\nexport CONVOX_TARGET=production\n", string(env))
	var back struct{ Target, Rack string }
	b, _ := os.ReadFile(o.ResultFile)
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, r.Target, back.Target)
	require.Equal(t, r.Rack, back.Rack)

	require.NoError(t, o.Write(Result{Status: "failed", Target: "a\nrelease_id=forged"}))
	out, _ = os.ReadFile(o.GitHubOutput)
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		require.NotEqual(t, "release_id=forged", line, "a value cannot forge another output")
	}
}

func TestNewLoggerRejectsUnknownSettings(t *testing.T) {
	_, err := NewLogger(os.Stderr, LogOptions{Format: "xml"}, NewSecrets())
	require.ErrorContains(t, err, "use auto, console or json")
	_, err = NewLogger(os.Stderr, LogOptions{Level: "loud"}, NewSecrets())
	require.ErrorContains(t, err, "unknown log level")
}

// The job summary is a Markdown table: an error that spans lines (a
// Rack's 403 with its advice on a second line, or a server's text forging
// a row) and a step name holding a | stay inside their own cells.
func TestSummaryKeepsEveryValueInItsCell(t *testing.T) {
	r := Result{Status: "failed", App: "myapp", Error: "denied (GET /apps/myapp: 403)\nThe key may not do this.\r\n| Status | succeeded |\n",
		Steps: []StepResult{{Name: "running web a | b", Status: "failed"}}}
	s := Summary(r)
	var rows []string
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, "|") {
			rows = append(rows, line)
		} else {
			require.True(t, line == "" || strings.HasPrefix(line, "###"), "a line outside the table: %q\n%s", line, s)
		}
	}
	cells := func(row string) int { return len(strings.Split(strings.ReplaceAll(row, `\|`, ""), "|")) - 2 }
	for _, row := range rows {
		if strings.HasPrefix(row, "| Step ") || strings.HasPrefix(row, "| running") || strings.HasPrefix(row, "|---|---|---") {
			require.Equal(t, 3, cells(row), row)
			continue
		}
		require.Equal(t, 2, cells(row), "%q\n%s", row, s)
	}
	require.NotContains(t, rows, "| Status | succeeded |", "text in the error forged a row")
}
