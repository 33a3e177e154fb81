package cienv

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strconv"
	"strings"
)

// github reads GitHub Actions (and Gitea/Forgejo Actions, which mimic it).
type github struct{}

type githubEnv struct {
	Actions    string `env:"GITHUB_ACTIONS"`
	Ref        string `env:"GITHUB_REF"`
	RefName    string `env:"GITHUB_REF_NAME"`
	RefType    string `env:"GITHUB_REF_TYPE"`
	HeadRef    string `env:"GITHUB_HEAD_REF"`
	BaseRef    string `env:"GITHUB_BASE_REF"`
	SHA        string `env:"GITHUB_SHA"`
	EventName  string `env:"GITHUB_EVENT_NAME"`
	EventPath  string `env:"GITHUB_EVENT_PATH"`
	RunID      string `env:"GITHUB_RUN_ID"`
	RunNumber  string `env:"GITHUB_RUN_NUMBER"`
	ServerURL  string `env:"GITHUB_SERVER_URL"`
	Repository string `env:"GITHUB_REPOSITORY"`
	Workspace  string `env:"GITHUB_WORKSPACE"`
}

// githubEvent is the part of the $GITHUB_EVENT_PATH payload we read.
type githubEvent struct {
	Number      int `json:"number"`
	PullRequest *struct {
		Number int          `json:"number"`
		Head   githubPRSide `json:"head"`
		Base   githubPRSide `json:"base"`
	} `json:"pull_request"`
}

type githubPRSide struct {
	Ref  string `json:"ref"`
	SHA  string `json:"sha"`
	Repo *struct {
		FullName string `json:"full_name"`
		Fork     bool   `json:"fork"`
	} `json:"repo"`
}

// maxEventSize bounds how much of the event payload is read.
const maxEventSize = 16 << 20

// Name implements provider.
func (github) Name() string { return "github" }

// Detect implements provider. GITHUB_ACTIONS alone may be a leftover (an
// image or shell that exports it) inside another CI, which would then be
// misread: a run also has GITHUB_RUN_ID, which GitHub always sets.
func (github) Detect(l Lookuper) bool {
	return isTrue(get(l, "GITHUB_ACTIONS")) && get(l, "GITHUB_RUN_ID") != ""
}

// Context implements provider. pull_request and pull_request_target (and any
// build of a refs/pull/N/ ref) are pull requests; the branch is then
// GITHUB_HEAD_REF, never GITHUB_REF, which is the merge ref or, for
// pull_request_target, the base branch.
func (github) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v githubEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("github", "GITHUB_ACTIONS")
	c.set(FieldEvent, v.EventName, "GITHUB_EVENT_NAME")
	c.set(FieldCommit, v.SHA, "GITHUB_SHA")
	c.set(FieldRepository, v.Repository, "GITHUB_REPOSITORY")
	c.set(FieldWorkspace, v.Workspace, "GITHUB_WORKSPACE")
	if !c.set(FieldBuildNumber, v.RunNumber, "GITHUB_RUN_NUMBER") {
		c.set(FieldBuildNumber, v.RunID, "GITHUB_RUN_ID")
	}
	if v.RunID != "" && v.Repository != "" {
		server, src := v.ServerURL, srcs("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
		if server == "" {
			server, src = "https://github.com", srcs("GITHUB_REPOSITORY", "GITHUB_RUN_ID")
		}
		c.set(FieldBuildURL, strings.TrimRight(server, "/")+"/"+v.Repository+"/actions/runs/"+v.RunID, src)
	}

	ev := readGitHubEvent(v.EventPath)
	kind, name := parseRef(v.Ref)
	isPR := strings.HasPrefix(v.EventName, "pull_request") || kind == refPull
	if !isPR {
		switch kind {
		case refBranch:
			c.set(FieldBranch, name, "GITHUB_REF")
		case refTag:
			c.set(FieldTag, name, "GITHUB_REF")
		default:
			switch v.RefType {
			case "branch":
				c.set(FieldBranch, v.RefName, "GITHUB_REF_NAME")
			case "tag":
				c.tagEvent = true
				c.set(FieldTag, v.RefName, "GITHUB_REF_NAME")
			}
		}
		return c, nil
	}

	if kind == refPull {
		c.set(FieldPullRequest, name, "GITHUB_REF")
	}
	c.set(FieldBranch, v.HeadRef, "GITHUB_HEAD_REF")
	c.set(FieldBaseBranch, v.BaseRef, "GITHUB_BASE_REF")
	if ev == nil {
		if c.PullRequest == "" {
			// A pull request whose number we cannot read is still one.
			c.set(FieldPullRequest, PullRequestUnknown, "GITHUB_EVENT_NAME")
		}
		return c, nil
	}
	if pr := ev.PullRequest; pr != nil {
		if pr.Number > 0 {
			c.set(FieldPullRequest, strconv.Itoa(pr.Number), "GITHUB_EVENT_PATH")
		}
		c.set(FieldBranch, pr.Head.Ref, "GITHUB_EVENT_PATH")
		c.set(FieldBaseBranch, pr.Base.Ref, "GITHUB_EVENT_PATH")
		c.set(FieldHeadCommit, pr.Head.SHA, "GITHUB_EVENT_PATH")
		c.forkFrom(githubFork(pr.Head, pr.Base), "GITHUB_EVENT_PATH")
	}
	if ev.Number > 0 {
		c.set(FieldPullRequest, strconv.Itoa(ev.Number), "GITHUB_EVENT_PATH")
	}
	if c.PullRequest == "" {
		c.set(FieldPullRequest, PullRequestUnknown, "GITHUB_EVENT_NAME")
	}
	return c, nil
}

// githubFork compares the head and base repositories. A missing head
// repository (the fork was deleted) counts as a fork; so does a head
// repository flagged as a fork when the names cannot be compared.
func githubFork(head, base githubPRSide) bool {
	switch {
	case head.Repo == nil:
		return true
	case head.Repo.FullName != "" && base.Repo != nil && base.Repo.FullName != "":
		return !strings.EqualFold(head.Repo.FullName, base.Repo.FullName)
	default:
		return head.Repo.Fork
	}
}

// readGitHubEvent reads the event payload; nil when absent or unreadable.
func readGitHubEvent(path string) *githubEvent {
	if path == "" {
		return nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	var ev githubEvent
	if err := json.NewDecoder(io.LimitReader(f, maxEventSize)).Decode(&ev); err != nil {
		return nil
	}
	return &ev
}
