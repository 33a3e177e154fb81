package cienv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
)

// Git answers the few questions Detect asks of the checkout.
type Git interface {
	// Commit returns the full SHA of HEAD.
	Commit(ctx context.Context) (string, error)
	// Branch returns the checked-out branch, "" when HEAD is detached.
	Branch(ctx context.Context) (string, error)
	// TagsAtHead returns the tags pointing at HEAD, highest version first.
	TagsAtHead(ctx context.Context) ([]string, error)
}

// gitTimeout bounds each git command.
const gitTimeout = 5 * time.Second

// NewGit returns a Git that runs the git binary in dir, each command with a
// short timeout. Every command only reads, so each runs with
// safe.directory=*: a checkout owned by another user (a bind mount, a
// runner's workspace) is read rather than refused. Its errors carry git's
// own reason; Detect treats them as "unknown".
func NewGit(dir string) Git { return gitCLI{dir: dir} }

type gitCLI struct {
	dir string
	env []string // added to the process environment of each git command (tests)
}

// Commit implements Git.
func (g gitCLI) Commit(ctx context.Context) (string, error) {
	return g.run(ctx, "rev-parse", "--verify", "HEAD^{commit}")
}

// Branch implements Git. It reads the symbolic ref HEAD points at:
// `rev-parse --abbrev-ref HEAD` (and `symbolic-ref --short`) print
// "heads/master" when a tag is named master too.
func (g gitCLI) Branch(ctx context.Context) (string, error) {
	ref, err := g.run(ctx, "symbolic-ref", "-q", "HEAD")
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 1 && ref == "" {
		return "", nil // detached HEAD: -q makes this the only output
	}
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(ref, refsHeads) {
		return "", nil
	}
	return strings.TrimPrefix(ref, refsHeads), nil
}

// TagsAtHead implements Git.
func (g gitCLI) TagsAtHead(ctx context.Context) ([]string, error) {
	out, err := g.run(ctx, "tag", "--points-at", "HEAD", "--sort=-version:refname")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

// run runs one read-only git command. Its error names the command and
// quotes the first line git wrote to stderr, its reason.
func (g gitCLI) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	full := append([]string{"-c", "safe.directory=*", "-C", g.dir}, args...)
	cmd := exec.CommandContext(ctx, "git", full...)
	cmd.Env = append(append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C"), g.env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg == "" {
			return strings.TrimSpace(stdout.String()), fmt.Errorf("git %s: %w", args[0], err)
		}
		return strings.TrimSpace(stdout.String()), fmt.Errorf("git %s: %s (%w)", args[0], msg, err)
	}
	return strings.TrimSpace(stdout.String()), nil
}
