package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// A build whose log writes workflow commands, a screen clear and carriage
// returns: on GitHub Actions, none of its text is run as a workflow
// command (GitHub reads \r as a line break too), and no escape sequence but
// colour reaches the log raw.
func TestBuildLogCannotRunWorkflowCommands(t *testing.T) {
	t.Parallel()
	for _, format := range []string{"console", "json"} {
		t.Run(format, func(t *testing.T) {
			rk := newRack(t, racksim.Options{})
			rk.set("CONVOX_CI_LOG_FORMAT", format)
			dir := appDir(t)
			dockerfile := "FROM scratch\n" +
				"RUN echo \"\r::stop-commands::x\"\n" +
				"RUN echo \"\r::add-mask::production\r##[add-mask]production\"\n" +
				"RUN echo \"\x1b[2J\x1b[31mred\x1b[0m\r::x::\"\n"
			require.NoError(t, os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644))
			github(t, rk, "refs/heads/master")
			res := rk.run(t, nil, "deploy", dir)
			require.Equal(t, 0, res.code, res.stderr)
			require.Contains(t, res.stderr, "::add-mask::production", "the build's line is shown")

			// GitHub's runner: a line ends at \n, \r or \r\n; it is trimmed; a
			// line starting with :: (or holding ##[) is a command, unless
			// commands are stopped: then only ::TOKEN:: (resume) is read.
			ours := regexp.MustCompile(`^::(add-mask::.+|group::.+|endgroup::|stop-commands::[0-9a-f]{32})$`)
			stopped, blocks := "", 0
			for _, line := range regexp.MustCompile(`\r\n|\r|\n`).Split(res.stderr, -1) {
				line = strings.TrimSpace(line)
				if stopped != "" {
					if line == "::"+stopped+"::" {
						stopped = ""
					}
					continue
				}
				if !strings.HasPrefix(line, "::") && !strings.Contains(line, "##[") {
					continue
				}
				require.Regexp(t, ours, line, "a line GitHub runs that is not ours")
				if token, ok := strings.CutPrefix(line, "::stop-commands::"); ok {
					stopped, blocks = token, blocks+1
				}
			}
			require.Empty(t, stopped, "commands are resumed at the end, for the steps that follow")
			require.NotZero(t, blocks)

			raw := strings.ReplaceAll(res.stderr, "\x1b[31m", "")
			raw = strings.ReplaceAll(raw, "\x1b[0m", "")
			require.NotContains(t, raw, "\x1b", "no escape sequence but colour")
		})
	}
}
