package main

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/alecthomas/kong"
	"github.com/stretchr/testify/require"
)

func parseWith(t *testing.T, vars map[string]string, args ...string) (*CLI, error) {
	t.Helper()
	var cli CLI
	env := lookupNonEmpty(func(k string) string { return vars[k] })
	r := newEnvResolver(env)
	p, err := kong.New(&cli, kong.Resolvers(r), kong.Exit(func(int) { t.Fatal("unexpected exit") }))
	require.NoError(t, err)
	_, err = p.Parse(args)
	if err != nil {
		return nil, r.explain(err)
	}
	return &cli, nil
}

func TestSettingsComeFromTheGivenEnvironment(t *testing.T) {
	t.Parallel()
	cli, err := parseWith(t, map[string]string{
		"CONVOX_HOST": "rack.example.org", "INPUT_HOST": "other.example.org",
		"CONVOX_APP": "", "INPUT_APP": "", "PLUGIN_APP": "plugin-app", // empty counts as unset: the next name serves
		"INPUT_INSECURE_SKIP_VERIFY": "true", "CONVOX_CI_TIMEOUT": "5m",
	}, "version")
	require.NoError(t, err)
	require.Equal(t, "other.example.org", cli.Host, "the step's input wins over the ambient CONVOX_HOST")
	require.Equal(t, []string{"plugin-app"}, cli.App)
	require.True(t, cli.InsecureSkipVerify)
	require.Equal(t, 5*time.Minute, cli.Timeout)
	require.Equal(t, "info", cli.LogLevel, "unset: the default")

	cli, err = parseWith(t, map[string]string{"CONVOX_APP": "from-env"}, "version", "--app", "from-flag")
	require.NoError(t, err)
	require.Equal(t, []string{"from-flag"}, cli.App, "a flag wins over the environment")
}

// An input given to the step (GitHub's with:, Drone's settings:) is the most
// specific setting: it wins over the ambient CONVOX_* whatever order the
// names are listed in, and the override is recorded to be logged.
func TestAStepsInputWinsOverTheAmbientEnvironment(t *testing.T) {
	t.Parallel()
	env := map[string]string{"CONVOX_APP": "a", "INPUT_APP": "b", "CONVOX_RACK": "org/x", "PLUGIN_RACK": "org/y", "CONVOX_CI_TIMEOUT": "5m", "INPUT_LOG_LEVEL": "warn"}
	r := newEnvResolver(lookupNonEmpty(func(k string) string { return env[k] }))
	var cli CLI
	p, err := kong.New(&cli, kong.Resolvers(r))
	require.NoError(t, err)
	_, err = p.Parse([]string{"version"})
	require.NoError(t, err)
	require.Equal(t, []string{"b"}, cli.App)
	require.Equal(t, "org/y", cli.Rack)
	require.Equal(t, 5*time.Minute, cli.Timeout, "an input left unset leaves the ambient value")
	require.Equal(t, "warn", cli.LogLevel)
	require.ElementsMatch(t, []override{{input: "INPUT_APP", ambient: "CONVOX_APP"}, {input: "PLUGIN_RACK", ambient: "CONVOX_RACK"}}, r.overrides,
		"only inputs that overrode a different ambient value are recorded")

	_, command, _ := r.first("CONVOX_CI_COMMAND", "INPUT_COMMAND")
	require.Empty(t, command)
	env["CONVOX_CI_COMMAND"], env["INPUT_COMMAND"] = "version", "plan"
	_, command, _ = r.first("CONVOX_CI_COMMAND", "INPUT_COMMAND")
	require.Equal(t, "plan", command, "the command input too")
}

func TestABadValueFromTheEnvironmentNamesTheVariable(t *testing.T) {
	t.Parallel()
	_, err := parseWith(t, map[string]string{"INPUT_TIMEOUT": "soon"}, "version")
	require.ErrorContains(t, err, "--timeout")
	require.ErrorContains(t, err, "$INPUT_TIMEOUT")
}

// kong's own `env` tag reads the process environment, behind Main's back:
// settings name their variables in `envs`, which only envResolver reads.
func TestNoFlagUsesKongsEnvTag(t *testing.T) {
	t.Parallel()
	var cli CLI
	p, err := kong.New(&cli)
	require.NoError(t, err)
	var walk func(n *kong.Node)
	named := 0
	walk = func(n *kong.Node) {
		for _, f := range n.Flags {
			require.Empty(t, f.Tag.Envs, "--%s: use envs:\"...\", not env:\"...\"", f.Name)
			if len(envNames(f.Value)) > 0 {
				named++
			}
		}
		for _, c := range n.Children {
			walk(c)
		}
	}
	walk(p.Model.Node)
	require.GreaterOrEqual(t, named, 12, "the settings name their variables")
}

func TestHelpNamesTheVariables(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.run(t, nil, "--help")
	require.Equal(t, 0, res.code, res.stderr)
	require.Contains(t, res.stdout, "($CONVOX_HOST, $INPUT_HOST, $PLUGIN_HOST)")
	require.Contains(t, res.stdout, "($RACK_URL)")
}

// Nothing reads or changes the process environment behind Main's back: the
// settings come from the getenv Main is given (child processes, such as git,
// still inherit os.Environ).
func TestNoCodeReadsTheProcessEnvironment(t *testing.T) {
	t.Parallel()
	forbidden := regexp.MustCompile(`\bos\.(Getenv|LookupEnv|Setenv|Unsetenv|Clearenv)\(`)
	var found []string
	for _, root := range []string{".", "../../internal"} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(data), "\n") {
				if forbidden.MatchString(line) {
					found = append(found, fmt.Sprintf("%s:%d: %s", path, i+1, strings.TrimSpace(line)))
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	require.Empty(t, found, "read the environment through Main's getenv (rt.env) instead")
}
