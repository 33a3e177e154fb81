package cienv

import (
	"context"
	"net/url"
	"strings"

	"github.com/sethvargo/go-envconfig"
)

const (
	refsHeads = "refs/heads/"
	refsTags  = "refs/tags/"
)

// read fills target, a struct of `env:"NAME"` string fields, through l.
// Values are trimmed, so an empty or blank variable reads as unset.
func read(ctx context.Context, l Lookuper, target any) error {
	return envconfig.ProcessWith(ctx, &envconfig.Config{
		Target:   target,
		Lookuper: l,
		Mutators: []envconfig.Mutator{envconfig.MutatorFunc(trimMutator)},
	})
}

func trimMutator(_ context.Context, _, _, _, cur string) (string, bool, error) {
	return trim(cur), false, nil
}

// get returns the trimmed value of key, "" when unset.
func get(l Lookuper, key string) string {
	v, _ := l.Lookup(key)
	return trim(v)
}

func trim(s string) string { return strings.TrimSpace(s) }

// isTrue reports whether a CI flag says yes ("true", "True", "1").
func isTrue(v string) bool { return strings.EqualFold(v, "true") || v == "1" }

// isFalse reports whether a CI flag says no ("false", "False", "0").
func isFalse(v string) bool { return strings.EqualFold(v, "false") || v == "0" }

// isSetNotFalse reports whether a value is present and not "false"/"0":
// how Travis and Buildkite say "not a pull request".
func isSetNotFalse(v string) bool { return v != "" && !strings.EqualFold(v, "false") && v != "0" }

// hasRefsPrefix reports whether s is a full ref name.
func hasRefsPrefix(s string) bool { return strings.HasPrefix(s, "refs/") }

// stripPrefix removes every leading copy of prefix.
func stripPrefix(s, prefix string) string {
	for strings.HasPrefix(s, prefix) {
		s = s[len(prefix):]
	}
	return s
}

// refKind is what a git ref names.
type refKind int

const (
	refUnknown refKind = iota // empty, or a refs/ name we do not understand
	refName                   // no refs/ prefix: a bare name, branch or tag unknown
	refBranch                 // refs/heads/x
	refTag                    // refs/tags/x
	refPull                   // refs/pull/N/merge, refs/pull/N/head, refs/merge-requests/N/head
)

// parseRef classifies a ref and returns the branch or tag name, or the pull
// request number.
func parseRef(ref string) (refKind, string) {
	switch {
	case ref == "":
		return refUnknown, ""
	case strings.HasPrefix(ref, refsHeads):
		return refBranch, stripPrefix(ref, refsHeads)
	case strings.HasPrefix(ref, refsTags):
		return refTag, stripPrefix(ref, refsTags)
	case strings.HasPrefix(ref, "refs/pull/"), strings.HasPrefix(ref, "refs/merge-requests/"):
		parts := strings.Split(ref, "/")
		if len(parts) >= 3 && isDigits(parts[2]) {
			return refPull, parts[2]
		}
		return refUnknown, ""
	case hasRefsPrefix(ref):
		return refUnknown, ""
	}
	return refName, ref
}

// isDigits reports whether s is a non-empty run of ASCII digits.
func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// lastSegment returns what follows the last "/" in s, e.g. the number in a
// pull request URL.
func lastSegment(s string) string {
	s = strings.TrimRight(s, "/")
	return s[strings.LastIndex(s, "/")+1:]
}

// repoSlug returns the path of a git remote URL without ".git": "owner/name"
// for https://github.com/owner/name.git and git@github.com:owner/name.git.
func repoSlug(remote string) string {
	var path string
	if u, err := url.Parse(remote); err == nil && u.Scheme != "" && u.Host != "" {
		path = u.Path
	} else if at := strings.Index(remote, "@"); at >= 0 && strings.Contains(remote[at:], ":") {
		path = remote[at+strings.Index(remote[at:], ":")+1:]
	} else {
		return ""
	}
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	// AWS CodeCommit paths are v1/repos/<name>: there is no owner.
	if !strings.Contains(path, "/") || strings.HasPrefix(path, "v1/repos/") {
		return ""
	}
	return path
}

// srcs names a value derived from several variables.
func srcs(keys ...string) string { return strings.Join(keys, "+") }

// sameRepo reports whether two repository URLs (or owner/name slugs) name
// the same repository, ignoring the scheme, ".git" and case.
func sameRepo(a, b string) bool {
	norm := func(s string) string {
		if slug := repoSlug(s); slug != "" {
			return strings.ToLower(slug)
		}
		return strings.ToLower(strings.TrimSuffix(strings.Trim(s, "/"), ".git"))
	}
	return norm(a) == norm(b)
}
