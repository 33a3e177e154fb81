package cienv

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseRef(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		ref  string
		kind refKind
		name string
	}{
		"branch":                    {"refs/heads/feature/x", refBranch, "feature/x"},
		"tag":                       {"refs/tags/v1.0.0", refTag, "v1.0.0"},
		"github merge ref":          {"refs/pull/12/merge", refPull, "12"},
		"github head ref":           {"refs/pull/12/head", refPull, "12"},
		"gitlab merge request ref":  {"refs/merge-requests/3/head", refPull, "3"},
		"pull ref without a number": {"refs/pull/abc/merge", refUnknown, ""},
		"other refs":                {"refs/notes/commits", refUnknown, ""},
		"bare name":                 {"main", refName, "main"},
		"empty":                     {"", refUnknown, ""},
		"doubled prefix":            {"refs/heads/refs/heads/x", refBranch, "x"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			kind, got := parseRef(tc.ref)
			require.Equal(t, tc.kind, kind)
			require.Equal(t, tc.name, got)
		})
	}
}

func TestRepoSlug(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ url, want string }{
		"https with .git":         {"https://github.com/acme/webapp.git", "acme/webapp"},
		"https without .git":      {"https://github.com/acme/webapp", "acme/webapp"},
		"scp-like ssh":            {"git@github.com:acme/webapp.git", "acme/webapp"},
		"ssh URL":                 {"ssh://git@github.com/acme/webapp.git", "acme/webapp"},
		"git protocol":            {"git://github.com/acme/webapp.git", "acme/webapp"},
		"gitlab subgroup":         {"https://gitlab.com/acme/platform/webapp.git", "acme/platform/webapp"},
		"credentials in URL":      {"https://user:secret@github.com/acme/webapp.git", "acme/webapp"},
		"trailing slash":          {"https://github.com/acme/webapp/", "acme/webapp"},
		"no owner":                {"https://example.com/webapp.git", ""},
		"not a URL":               {"webapp", ""},
		"empty":                   {"", ""},
		"local path":              {"/srv/git/webapp.git", ""},
		"codecommit has no owner": {"https://git-codecommit.us-east-1.amazonaws.com/v1/repos/webapp", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, repoSlug(tc.url))
		})
	}
}

func TestJenkinsBranch(t *testing.T) {
	t.Parallel()
	tests := map[string]struct{ in, want string }{
		"origin/master":                 {"origin/master", "master"},
		"origin/feature/x":              {"origin/feature/x", "feature/x"},
		"refs/remotes/upstream/main":    {"refs/remotes/upstream/main", "main"},
		"remotes/upstream/release/1.x":  {"remotes/upstream/release/1.x", "release/1.x"},
		"plain name":                    {"main", "main"},
		"slash is not a remote":         {"feature/x", "feature/x"},
		"refs/heads prefix":             {"refs/heads/main", "main"},
		"detached":                      {"detached", ""},
		"origin/HEAD":                   {"origin/HEAD", ""},
		"refs/remotes without a branch": {"refs/remotes/origin", ""},
		"empty":                         {"", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, jenkinsBranch(tc.in))
		})
	}
}

func TestReadProperties(t *testing.T) {
	t.Parallel()
	path := writeTemp(t, "build.properties", "# comment\n! also a comment\n"+
		"teamcity.build.workingDir=C\\:\\\\BuildAgent\\\\work\\\\8a7c\n"+
		"teamcity.serverUrl : https\\://tc.example.com\n"+
		"spaced   value with spaces\n"+
		"multi=one, \\\n    two\n"+
		"unicode=caf\\u00e9\n"+
		"key\\=with\\:seps=v\n"+
		"empty=\n"+
		"\r\n"+
		"crlf=yes\r\n")
	require.Equal(t, map[string]string{
		"teamcity.build.workingDir": `C:\BuildAgent\work\8a7c`,
		"teamcity.serverUrl":        "https://tc.example.com",
		"spaced":                    "value with spaces",
		"multi":                     "one, two",
		"unicode":                   "café",
		"key=with:seps":             "v",
		"empty":                     "",
		"crlf":                      "yes",
	}, readProperties(path))
	require.Empty(t, readProperties("/nonexistent/build.properties"))
}

func TestContextRef(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		c    Context
		want string
	}{
		"pull request wins":  {Context{PullRequest: "24", Branch: "feature"}, "pull request #24"},
		"tag":                {Context{Tag: "v1.0.0"}, "tag v1.0.0"},
		"branch":             {Context{Branch: "main"}, "branch main"},
		"nothing is unknown": {Context{}, "unknown ref"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, tc.want, tc.c.Ref())
			require.Equal(t, tc.c.PullRequest != "", tc.c.IsPullRequest())
		})
	}
}
