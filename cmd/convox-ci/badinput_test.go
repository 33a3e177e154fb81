package main

import (
	"os"
	"path/filepath"
	"strings"
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
		"unknown command":         {args: []string{"deploi"}, want: "convox-ci --help"},
		"unknown flag":            {args: []string{"deploy", "--bogus"}, want: "unknown flag --bogus"},
		"bad timeout":             {args: []string{"rack", "--timeout", "soon"}, want: "--timeout"},
		"bad log level":           {args: []string{"rack", "--log-level", "loud"}, want: "unknown log level"},
		"bad log format":          {args: []string{"rack", "--log-format", "xml"}, want: "--log-format"},
		"missing dir":             {args: []string{"deploy", "/nonexistent/src"}, want: `source directory "/nonexistent/src"`},
		"no app":                  {env: map[string]string{"CONVOX_APP": ""}, args: []string{"deploy", "."}, want: "--app"},
		"host without password":   {env: map[string]string{"CONVOX_PASSWORD": ""}, args: []string{"rack"}, want: "CONVOX_PASSWORD is empty"},
		"password without host":   {env: map[string]string{"CONVOX_HOST": ""}, args: []string{"rack"}, want: "CONVOX_HOST is empty"},
		"bad host scheme":         {env: map[string]string{"CONVOX_HOST": "ftp://rack.example.org"}, args: []string{"rack"}, want: "ftp"},
		"bad env assignment":      {args: []string{"env", "set", "NOPE", "--replace"}, want: "NOPE=VALUE"},
		"missing rules file":      {args: []string{"ci", "--config", "/nonexistent/convox-ci.yml"}, want: "no rules file"},
		"unknown key in rules":    {args: []string{"ci", "--config", "BADRULES"}, want: `convox-ci.yml:4:5: unknown key`},
		"run without a command":   {args: []string{"run", "web"}, want: "command"},
		"promote without an id":   {args: []string{"releases", "promote"}, want: "release"},
		"unterminated command":    {env: map[string]string{"CONVOX_CI_COMMAND": `run web "bin/migrate`}, want: "is not closed"},
		"missing ca file":         {args: []string{"rack", "--ca-file", "/nonexistent/ca.pem"}, want: "/nonexistent/ca.pem"},
		"export to nowhere":       {args: []string{"builds", "export", "B1", "--file", "/dev/null/b.tgz"}, want: "/dev/null"},
		"import from no file":     {args: []string{"builds", "import", "--file", "/nonexistent/b.tgz"}, want: "/nonexistent/b.tgz"},
		"env file not found":      {args: []string{"env", "set", "--replace", "--env-file", "/nonexistent/.env"}, want: "/nonexistent/.env"},
		"from-env of unset name":  {args: []string{"env", "set", "--replace", "--from-env", "SURELY_NOT_SET_42"}, want: "SURELY_NOT_SET_42"},
		"run an empty command":    {args: []string{"run", "web", ""}, want: "the command is empty"},
		"run blank words":         {args: []string{"run", "web", " ", ""}, want: "the command is empty"},
		"run in no service":       {args: []string{"run", "", "bin/migrate"}, want: "the service is empty"},
		"zero timeout":            {args: []string{"rack", "--timeout", "0"}, want: `--timeout: "0" would remove the deadline`},
		"negative timeout":        {args: []string{"rack", "--timeout=-5m"}, want: `--timeout: "-5m" would remove the deadline`},
		"negative seconds":        {args: []string{"run", "web", "bin/migrate", "--timeout=-600"}, want: "would remove the deadline"},
		"zero timeout from env":   {env: map[string]string{"CONVOX_CI_TIMEOUT": "0"}, args: []string{"rack"}, want: "CONVOX_CI_TIMEOUT"},
		"zero timeout input":      {env: map[string]string{"INPUT_TIMEOUT": "0s"}, args: []string{"rack"}, want: "INPUT_TIMEOUT"},
		"promote an empty id":     {args: []string{"releases", "promote", ""}, want: "name the release to promote"},
		"promote a blank id":      {args: []string{"releases", "promote", " "}, want: "name the release to promote"},
		"rollback to a blank id":  {args: []string{"releases", "rollback", " "}, want: "the release to roll back to is blank"},
		"rollback to an empty id": {args: []string{"releases", "rollback", ""}, want: "the release to roll back to is blank"},
		"promote two ids":         {args: []string{"releases", "promote", "R1 R2"}, want: `release id "R1 R2" cannot be a release: it has white space`},
		"promote a path":          {args: []string{"releases", "promote", "../../system?x="}, want: `it has '/'`},
		"promote a pasted line":   {args: []string{"releases", "promote", "RABC\n"}, want: "it has white space"},
		"promote an escape":       {args: []string{"releases", "promote", "RABC%2F"}, want: `it has '%'`},
		"rollback to two ids":     {args: []string{"releases", "rollback", "R1\tR2"}, want: "cannot be a release"},
		"rollback to a query":     {args: []string{"releases", "rollback", "R1?a=b"}, want: `it has '?'`},
		"run on a bad release":    {args: []string{"run", "web", "bin/migrate", "--release", "R1#x"}, want: `--release: release id "R1#x" cannot be a release: it has '#'`},
		"env on a bad release":    {args: []string{"env", "set", "--replace", "A=1", "--release", "R1/R2"}, want: "--release: release id"},
		"rules file a directory":  {args: []string{"ci", "--config", "DIR"}, want: "the rules file is a directory"},
		"rules file too deep":     {args: []string{"ci", "--config", "DEEPRULES"}, want: "nests more than 64 levels deep"},
		"multi-line from-env":     {env: map[string]string{"PEM_KEY": "-----BEGIN KEY-----\nINJECTED_VAR=1\n-----END KEY-----"}, args: []string{"env", "set", "--replace", "--from-env", "PEM_KEY"}, want: "--from-env PEM_KEY: the value has a line break"},
		"unwritable result file":  {args: []string{"rack", "--result-file", "DIR"}, want: "--result-file"},
		"result file under file":  {args: []string{"deploy", "APPDIR", "--result-file", "/dev/null/result.json"}, want: "not a directory"},
		"invalid .dockerignore":   {args: []string{"deploy", "BADIGNORE"}, want: `invalid pattern "[a-": syntax error in pattern: fix the pattern`},
		"ci with bad ignore":      {args: []string{"ci", "BADIGNORE"}, want: `invalid pattern "[a-"`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			rk := newRack(t, racksim.Options{})
			for k, v := range tc.env {
				rk.set(k, v)
			}
			args := append([]string{}, tc.args...)
			rules := func(content string) string {
				p := filepath.Join(t.TempDir(), "convox-ci.yml")
				require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
				return p
			}
			for i, a := range args {
				switch a {
				case "BADRULES":
					args[i] = rules("app: a\ntargets:\n  staging:\n    brnches: [master]\n    rack: org/staging\n    steps: [build]\n")
				case "DEEPRULES":
					args[i] = rules("targets: " + strings.Repeat("[", 50000) + strings.Repeat("]", 50000) + "\n")
				case "DIR":
					args[i] = t.TempDir()
				case "APPDIR":
					args[i] = appDir(t)
				case "BADIGNORE":
					args[i] = appDir(t)
					require.NoError(t, os.WriteFile(filepath.Join(args[i], ".dockerignore"), []byte("*.log\n[a-\n"), 0o644))
				}
			}
			res := rk.run(t, nil, args...)
			require.Equal(t, 2, res.code, "stdout: %s\nstderr: %s", res.stdout, res.stderr)
			require.Contains(t, logMessages(t, res.stderr), tc.want)
			require.Empty(t, rk.sim.Requests(), "nothing may reach the Rack")
		})
	}
}
