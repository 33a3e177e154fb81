package main

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/alecthomas/kong"
)

// helpGroups head the shared settings in every command's help, after the
// command's own flags.
var helpGroups = kong.ExplicitGroups([]kong.Group{
	{Key: "rack", Title: "Rack connection (shared by every command):"},
	{Key: "run", Title: "Run settings (shared by every command):"},
})

// ownHelp is, for the commands that connect to no Rack of the user's, the
// Rack connection flags they do use, with what the flag means to them;
// their help leaves the other connection flags out.
var ownHelp = map[string]map[string]string{
	"simulate": {
		"password": "Key the simulated Rack accepts (random when unset).",
		"app":      "Apps to create on the simulated Rack: repeat the flag or separate names with commas (default example-app); the first is printed as CONVOX_APP.",
	},
	"demo": {},
}

// ownEnvIgnored are the flags of those commands whose environment
// variables the command does not read: simulate's key is only ever
// --password (an exported CONVOX_PASSWORD is most likely a real Rack's).
var ownEnvIgnored = map[string]map[string]bool{"simulate": {"password": true}}

// helpPrinter prints kong's help, trimmed for the command asked about.
func helpPrinter(options kong.HelpOptions, ctx *kong.Context) error {
	selected := ctx.Selected()
	if selected == nil {
		return kong.DefaultHelpPrinter(options, ctx)
	}
	own, ok := ownHelp[selected.Name]
	if !ok {
		return kong.DefaultHelpPrinter(options, ctx)
	}
	type saved struct {
		flag   *kong.Flag
		hidden bool
		help   string
	}
	var restore []saved
	for _, f := range ctx.Model.Flags {
		if f.Group == nil || f.Group.Key != "rack" {
			continue
		}
		restore = append(restore, saved{f, f.Hidden, f.Help})
		if help, uses := own[f.Name]; uses {
			f.Help = help
		} else {
			f.Hidden = true
		}
	}
	defer func() {
		for _, s := range restore {
			s.flag.Hidden, s.flag.Help = s.hidden, s.help
		}
	}()
	ignored := ownEnvIgnored[selected.Name]
	options.ValueFormatter = func(v *kong.Value) string {
		if ignored[v.Name] {
			return v.Help
		}
		return helpWithEnv(v)
	}
	return kong.DefaultHelpPrinter(options, ctx)
}

// listSubcommands follows a parse error about a command that needs a
// subcommand (`convox-ci releases`) with the subcommands to choose from. It
// reports whether it did.
func listSubcommands(w io.Writer, err error) bool {
	var perr *kong.ParseError
	if !errors.As(err, &perr) || perr.Context == nil {
		return false
	}
	node := perr.Context.Selected()
	if node == nil || len(node.Children) == 0 {
		return false
	}
	path := strings.TrimPrefix(node.FullPath(), "convox-ci ")
	fmt.Fprintf(w, "convox-ci %s takes one of:\n", path)
	var rows [][2]string
	width := 0
	for _, c := range node.Children {
		if !c.Hidden {
			usage := strings.TrimPrefix(c.Summary(), "convox-ci ")
			rows = append(rows, [2]string{usage, c.Help})
			width = max(width, len(usage))
		}
	}
	for _, r := range rows {
		fmt.Fprintf(w, "  %-*s  %s\n", width, r[0], r[1])
	}
	fmt.Fprintf(w, "Run `convox-ci %s <subcommand> --help` for its flags.\n", path)
	return true
}
