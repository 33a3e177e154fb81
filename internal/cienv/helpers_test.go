package cienv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// gitCommit is what the fake git reports as HEAD.
const gitCommit = "feedfacefeedfacefeedfacefeedfacefeedface"

// fakeGit answers Detect's git questions and records which were asked.
type fakeGit struct {
	commit string
	branch string
	tags   []string
	err    error
	calls  []string
}

func (g *fakeGit) Commit(context.Context) (string, error) {
	g.calls = append(g.calls, "Commit")
	return g.commit, g.err
}

func (g *fakeGit) Branch(context.Context) (string, error) {
	g.calls = append(g.calls, "Branch")
	return g.branch, g.err
}

func (g *fakeGit) TagsAtHead(context.Context) ([]string, error) {
	g.calls = append(g.calls, "TagsAtHead")
	return g.tags, g.err
}

// detachedGit is a checkout in detached HEAD state with no tag at HEAD.
func detachedGit() *fakeGit { return &fakeGit{commit: gitCommit} }

// brokenGit fails every question, like git outside a repository.
func brokenGit() *fakeGit { return &fakeGit{err: errors.New("fatal: not a git repository")} }

// loadEnv reads a recorded environment.
func loadEnv(t *testing.T, path string) map[string]string {
	t.Helper()
	env, err := parseEnvFile(path)
	require.NoError(t, err)
	return env
}

// parseEnvFile reads KEY=VALUE lines; blank lines and "#" comments are
// skipped.
func parseEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	env := map[string]string{}
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, fmt.Errorf("%s: line without '=': %q", path, line)
		}
		env[k] = v
	}
	return env, s.Err()
}

// requireInvariants checks what Detect promises of every Context.
func requireInvariants(t *testing.T, c Context) {
	t.Helper()
	for name, v := range map[string]string{"branch": c.Branch, "tag": c.Tag, "base branch": c.BaseBranch} {
		require.False(t, strings.HasPrefix(v, "refs/"), "%s keeps a refs/ prefix: %q", name, v)
	}
	if c.Tag != "" {
		require.Empty(t, c.Branch, "a tag build has a branch")
	}
	if !c.IsPullRequest() {
		require.False(t, c.Fork, "fork outside a pull request")
		require.Empty(t, c.BaseBranch, "base branch outside a pull request")
		require.Empty(t, c.HeadCommit, "head commit outside a pull request")
	} else {
		require.Empty(t, c.Tag, "a pull request build has a tag")
	}
	keys := []string{FieldProvider, FieldBranch, FieldTag, FieldCommit, FieldPullRequest, FieldBaseBranch,
		FieldBuildNumber, FieldBuildURL, FieldRepository, FieldWorkspace, FieldEvent, FieldHeadCommit}
	for _, k := range keys {
		v := *c.field(k)
		require.Equal(t, strings.TrimSpace(v), v, "%s is not trimmed", k)
		_, has := c.Sources[k]
		require.Equal(t, v != "", has, "%s=%q but source %q", k, v, c.Sources[k])
	}
	_, has := c.Sources[FieldFork]
	require.Equal(t, c.Fork, has, "fork=%v but source %q", c.Fork, c.Sources[FieldFork])
	require.Len(t, c.Sources, len(c.nonEmptyFields()), "sources name fields that are empty: %v", c.Sources)
	require.NotEmpty(t, c.Provider)
	require.NotEmpty(t, c.Ref())
}

// nonEmptyFields lists the Sources keys whose field has a value.
func (c Context) nonEmptyFields() []string {
	var out []string
	for _, k := range []string{FieldProvider, FieldBranch, FieldTag, FieldCommit, FieldPullRequest, FieldBaseBranch,
		FieldBuildNumber, FieldBuildURL, FieldRepository, FieldWorkspace, FieldEvent, FieldHeadCommit} {
		if *c.field(k) != "" {
			out = append(out, k)
		}
	}
	if c.Fork {
		out = append(out, FieldFork)
	}
	return out
}
