package cienv

import (
	"context"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// teamcity reads TeamCity. The branch is a build parameter, not an
// environment variable: it is read from the Java properties file named by
// TEAMCITY_BUILD_PROPERTIES_FILE (or the configuration properties file it
// names) when readable, else left to git.
type teamcity struct{}

type teamcityEnv struct {
	Version        string `env:"TEAMCITY_VERSION"`
	VCSNumber      string `env:"BUILD_VCS_NUMBER"`
	BuildNumber    string `env:"BUILD_NUMBER"`
	PropertiesFile string `env:"TEAMCITY_BUILD_PROPERTIES_FILE"`
}

// teamcityPRBranch is the logical branch name of a pull request build.
var teamcityPRBranch = regexp.MustCompile(`^(?:refs/)?(?:pull|pull-requests|merge-requests)/([0-9]+)(?:/(?:head|merge|from))?$`)

// maxPropertiesSize bounds how much of a properties file is read.
const maxPropertiesSize = 4 << 20

// Name implements provider.
func (teamcity) Name() string { return "teamcity" }

// Detect implements provider.
func (teamcity) Detect(l Lookuper) bool { return get(l, "TEAMCITY_VERSION") != "" }

// Context implements provider. "<default>", TeamCity's name for the default
// branch when no branch specification is configured, says nothing and is
// ignored.
func (teamcity) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v teamcityEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	c := newContext("teamcity", "TEAMCITY_VERSION")
	c.set(FieldCommit, v.VCSNumber, "BUILD_VCS_NUMBER")
	c.set(FieldBuildNumber, v.BuildNumber, "BUILD_NUMBER")
	if v.PropertiesFile == "" {
		return c, nil
	}
	// The build properties file names the configuration properties file;
	// a value missing from the first is looked up in the second.
	build := readProperties(v.PropertiesFile)
	var config map[string]string
	if path := trim(build["teamcity.configuration.properties.file"]); path != "" {
		config = readProperties(path)
	}
	prop := func(key string) string {
		if v := trim(build[key]); v != "" {
			return v
		}
		return trim(config[key])
	}
	src := "TEAMCITY_BUILD_PROPERTIES_FILE"
	c.set(FieldWorkspace, prop("teamcity.build.workingDir"), src+":teamcity.build.workingDir")
	if server, id := prop("teamcity.serverUrl"), prop("teamcity.build.id"); server != "" && id != "" {
		c.set(FieldBuildURL, strings.TrimRight(server, "/")+"/viewLog.html?buildId="+id, src+":teamcity.serverUrl+teamcity.build.id")
	}
	branch := prop("teamcity.build.branch")
	branchSrc := src + ":teamcity.build.branch"
	// The Pull Requests build feature sets teamcity.pullRequest.*, and the
	// branch reads pull/N (GitHub), merge-requests/N (GitLab) or
	// pull-requests/N (Bitbucket). It says nothing about forks.
	prSrc := src + ":teamcity.pullRequest."
	c.set(FieldPullRequest, prop("teamcity.pullRequest.number"), prSrc+"number")
	if m := teamcityPRBranch.FindStringSubmatch(branch); m != nil {
		c.set(FieldPullRequest, m[1], branchSrc)
	}
	if c.PullRequest != "" {
		if kind, name := parseRef(prop("teamcity.pullRequest.source.branch")); kind == refBranch || kind == refName {
			c.set(FieldBranch, name, prSrc+"source.branch")
		}
		if kind, name := parseRef(prop("teamcity.pullRequest.target.branch")); kind == refBranch || kind == refName {
			c.set(FieldBaseBranch, name, prSrc+"target.branch")
		}
		return c, nil
	}
	if branch == "<default>" {
		return c, nil
	}
	switch kind, name := parseRef(branch); kind {
	case refBranch, refName:
		c.set(FieldBranch, name, branchSrc)
	case refTag:
		c.set(FieldTag, name, branchSrc)
	case refPull:
		c.set(FieldPullRequest, name, branchSrc)
	}
	return c, nil
}

// readProperties reads a Java properties file: "key=value", "key: value" or
// "key value" lines, "#" and "!" comments, backslash escapes and
// continuation lines. An unreadable file reads as empty.
func readProperties(path string) map[string]string {
	props := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		return props
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPropertiesSize))
	if err != nil {
		return props
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	for i := 0; i < len(lines); i++ {
		line := strings.TrimLeft(lines[i], " \t\f")
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		for continues(line) && i+1 < len(lines) {
			i++
			line = line[:len(line)-1] + strings.TrimLeft(lines[i], " \t\f")
		}
		key, value := splitProperty(line)
		props[unescapeProperty(key)] = unescapeProperty(value)
	}
	return props
}

// continues reports whether a line ends with an odd number of backslashes.
func continues(line string) bool {
	n := 0
	for i := len(line) - 1; i >= 0 && line[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// splitProperty splits at the first unescaped '=', ':' or blank.
func splitProperty(line string) (string, string) {
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			i++
		case '=', ':':
			return line[:i], strings.TrimLeft(line[i+1:], " \t\f")
		case ' ', '\t', '\f':
			rest := strings.TrimLeft(line[i:], " \t\f")
			if rest != "" && (rest[0] == '=' || rest[0] == ':') {
				rest = strings.TrimLeft(rest[1:], " \t\f")
			}
			return line[:i], rest
		}
	}
	return line, ""
}

// unescapeProperty resolves \t, \n, \r, \f, \uXXXX and \<char>.
func unescapeProperty(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 't':
			b.WriteByte('\t')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'f':
			b.WriteByte('\f')
		case 'u':
			if i+4 < len(s) {
				if r, err := strconv.ParseUint(s[i+1:i+5], 16, 16); err == nil {
					b.WriteRune(rune(r))
					i += 4
					continue
				}
			}
			b.WriteByte('u')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}
