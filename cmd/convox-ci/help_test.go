package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A command's help shows its own flags first, then the shared settings
// under their headings.
func TestHelpShowsTheCommandsOwnFlagsFirst(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.run(t, nil, "deploy", "--help")
	require.Equal(t, 0, res.code, res.stderr)
	own := strings.Index(res.stdout, "--force")
	shared := strings.Index(res.stdout, "Rack connection (shared by every command):")
	host := strings.Index(res.stdout, "--host=HOST")
	require.True(t, own >= 0 && shared >= 0 && host >= 0, res.stdout)
	require.Less(t, own, shared, "own flags come before the shared settings")
	require.Less(t, shared, host, "the shared settings sit under their heading")
	require.Contains(t, res.stdout, "Run settings (shared by every command):")
}

// simulate and demo serve or use their own Rack: the flags that connect to
// one are left out of their help; simulate's --app and --password say what
// they mean to a server.
func TestHelpOfTheSimulatedRackLeavesOutConnectionFlags(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, cmd := range []string{"simulate", "demo"} {
		res := e.run(t, nil, cmd, "--help")
		require.Equal(t, 0, res.code, res.stderr)
		for _, flag := range []string{"--host", "--rack-url", "--ca-file", "--insecure-skip-verify", "--rack="} {
			require.NotContains(t, res.stdout, flag, "%s --help", cmd)
		}
	}
	res := e.run(t, nil, "simulate", "--help")
	require.Contains(t, res.stdout, "Apps to create on the simulated Rack")
	require.Contains(t, res.stdout, "Key the simulated Rack accepts")

	res = e.run(t, nil, "deploy", "--help")
	require.Contains(t, res.stdout, "--host=HOST", "other commands keep them")
	require.NotContains(t, res.stdout, "Apps to create")
}

// Every placeholder reads as what to type: no Go type names.
func TestHelpPlaceholdersAreNoTypeNames(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	typeName := regexp.MustCompile(`=(STRING|INT|INT-64|FLOAT-64|BOOL|BUILD-ARGS)\b`)
	for _, cmd := range [][]string{
		{"--help"}, {"ci", "--help"}, {"plan", "--help"}, {"build", "--help"}, {"deploy", "--help"}, {"run", "--help"},
		{"env", "set", "--help"}, {"releases", "promote", "--help"}, {"builds", "list", "--help"}, {"builds", "export", "--help"},
		{"builds", "import", "--help"}, {"builds", "promote", "--help"}, {"logs", "--help"}, {"rack", "--help"},
		{"racks", "--help"}, {"simulate", "--help"}, {"demo", "--help"},
	} {
		res := e.run(t, nil, cmd...)
		require.Equal(t, 0, res.code, res.stderr)
		require.NotRegexp(t, typeName, res.stdout, strings.Join(cmd, " "))
	}
	res := e.run(t, nil, "simulate", "--help")
	require.Contains(t, res.stdout, "--fault-rate=0.3")
}

// A command that needs a subcommand lists them.
func TestCommandWithoutItsSubcommandListsThem(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.run(t, nil, "releases")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "convox-ci releases takes one of:")
	require.Contains(t, res.stderr, "releases promote [<release>]")
	require.Contains(t, res.stderr, "Promote a release and wait for it.")

	res = e.run(t, nil, "env")
	require.Equal(t, 2, res.code)
	require.Contains(t, res.stderr, "env set [<vars> ...]")
}

// simulate's key is only ever --password (an exported CONVOX_PASSWORD is
// most likely a real Rack's, and simulate prints its key): its help names
// no variable for it, while --app keeps CONVOX_APP, which simulate reads.
func TestSimulateHelpNamesNoVariableForItsKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	res := e.run(t, nil, "simulate", "--help")
	require.Equal(t, 0, res.code, res.stderr)
	_, rest, ok := strings.Cut(res.stdout, "--password=KEY")
	require.True(t, ok, res.stdout)
	password, app, ok := strings.Cut(rest, "--app=APP")
	require.True(t, ok, res.stdout)
	require.NotContains(t, password, "PASSWORD", "simulate ignores the password variables")
	require.Contains(t, app, "$CONVOX_APP")

	res = e.run(t, nil, "deploy", "--help")
	require.Contains(t, res.stdout, "$CONVOX_PASSWORD", "other commands read it")
}
