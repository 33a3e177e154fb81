package cienv

import (
	"bytes"
	"context"
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
// short timeout. Detect treats its errors as "unknown".
func NewGit(dir string) Git { return gitCLI{dir: dir} }

type gitCLI struct{ dir string }

// Commit implements Git.
func (g gitCLI) Commit(ctx context.Context) (string, error) {
	return g.run(ctx, "rev-parse", "--verify", "HEAD^{commit}")
}

// Branch implements Git.
func (g gitCLI) Branch(ctx context.Context) (string, error) {
	b, err := g.run(ctx, "rev-parse", "--abbrev-ref", "HEAD")
	if err != nil {
		return "", err
	}
	if b == "HEAD" {
		return "", nil
	}
	return b, nil
}

// TagsAtHead implements Git.
func (g gitCLI) TagsAtHead(ctx context.Context) ([]string, error) {
	out, err := g.run(ctx, "tag", "--points-at", "HEAD", "--sort=-version:refname")
	if err != nil {
		return nil, err
	}
	return strings.Fields(out), nil
}

func (g gitCLI) run(ctx context.Context, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, gitTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", g.dir}, args...)...)
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "LC_ALL=C")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		return "", fmt.Errorf("running git %s: %w: %s", args[0], err, msg)
	}
	return strings.TrimSpace(stdout.String()), nil
}
