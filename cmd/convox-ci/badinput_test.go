package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// Bad input: a clear message naming the problem and the fix, exit 2, and
// not one request to the Rack.
func TestBadInputExits2AndSendsNothing(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		env  map[string]string
		args []string
		want string
	}{
		"unknown command":        {args: []string{"deploi"}, want: "convox-ci --help"},
		"unknown flag":           {args: []string{"deploy", "--bogus"}, want: "unknown flag --bogus"},
		"bad timeout":            {args: []string{"rack", "--timeout", "soon"}, want: "--timeout"},
		"bad log level":          {args: []string{"rack", "--log-level", "loud"}, want: "unknown log level"},
		"bad log format":         {args: []string{"rack", "--log-format", "xml"}, want: "--log-format"},
		"missing dir":            {args: []string{"deploy", "/nonexistent/src"}, want: `source directory "/nonexistent/src"`},
		"no app":                 {env: map[string]string{"CONVOX_APP": ""}, args: []string{"deploy", "."}, want: "--app"},
		"host without password":  {env: map[string]string{"CONVOX_PASSWORD": ""}, args: []string{"rack"}, want: "CONVOX_PASSWORD is empty"},
		"password without host":  {env: map[string]string{"CONVOX_HOST": ""}, args: []string{"rack"}, want: "CONVOX_HOST is empty"},
		"bad host scheme":        {env: map[string]string{"CONVOX_HOST": "ftp://rack.example.org"}, args: []string{"rack"}, want: "ftp"},
		"bad env assignment":     {args: []string{"env", "set", "NOPE", "--replace"}, want: "NOPE=VALUE"},
		"missing rules file":     {args: []string{"ci", "--config", "/nonexistent/convox-ci.yml"}, want: "no rules file"},
		"unknown key in rules":   {args: []string{"ci", "--config", "BADRULES"}, want: `convox-ci.yml:4:5: unknown key`},
		"run without a command":  {args: []string{"run", "web"}, want: "command"},
		"promote without an id":  {args: []string{"releases", "promote"}, want: "release"},
		"unterminated command":   {env: map[string]string{"CONVOX_CI_COMMAND": `run web "bin/migrate`}, want: "is not closed"},
		"missing ca file":        {args: []string{"rack", "--ca-file", "/nonexistent/ca.pem"}, want: "/nonexistent/ca.pem"},
		"export to nowhere":      {args: []string{"builds", "export", "B1", "--file", "/dev/null/b.tgz"}, want: "/dev/null"},
		"import from no file":    {args: []string{"builds", "import", "--file", "/nonexistent/b.tgz"}, want: "/nonexistent/b.tgz"},
		"env file not found":     {args: []string{"env", "set", "--replace", "--env-file", "/nonexistent/.env"}, want: "/nonexistent/.env"},
		"from-env of unset name": {args: []string{"env", "set", "--replace", "--from-env", "SURELY_NOT_SET_42"}, want: "SURELY_NOT_SET_42"},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rk := newRack(t, racksim.Options{})
			for k, v := range tc.env {
				rk.set(k, v)
			}
			args := tc.args
			for i, a := range args {
				if a == "BADRULES" {
					dir := t.TempDir()
					p := filepath.Join(dir, "convox-ci.yml")
					require.NoError(t, os.WriteFile(p, []byte("app: a\ntargets:\n  staging:\n    brnches: [master]\n    rack: org/staging\n    steps: [build]\n"), 0o644))
					args = append(append([]string{}, args[:i]...), append([]string{p}, args[i+1:]...)...)
				}
			}
			res := rk.run(t, nil, args...)
			require.Equal(t, 2, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
			require.Contains(t, logMessages(t, res.stderr), tc.want)
			require.Empty(t, rk.sim.Requests(), "nothing may reach the Rack")
		})
	}
}
