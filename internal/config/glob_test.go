package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestGlobMatch(t *testing.T) {
	tests := map[string]struct {
		pattern string
		match   []string
		miss    []string
	}{
		"literal":                 {"master", []string{"master"}, []string{"master2", "xmaster", "Master", "feature/master"}},
		"star stays in a segment": {"release/*", []string{"release/1.2", "release/"}, []string{"release/1.2/hotfix", "release", "releases/1"}},
		"double star crosses":     {"feature/**", []string{"feature/a", "feature/a/b/c"}, []string{"feature", "features/a"}},
		"star at the start":       {"*-stable", []string{"1.2-stable"}, []string{"x/1.2-stable", "stable"}},
		"tag prefix":              {"v*", []string{"v1", "v1.2.3", "v"}, []string{"1.0", "v1/x"}},
		"question mark":           {"v?.?", []string{"v1.2"}, []string{"v10.2", "v1/2"}},
		"class":                   {"v[0-9].*", []string{"v1.0", "v9.x"}, []string{"va.0", "v10.0"}},
		"negated class":           {"[!a]x", []string{"bx"}, []string{"ax", "/x"}},
		"caret negates too":       {"[^a]x", []string{"bx"}, []string{"ax"}},
		"bracket first in class":  {"[]a]", []string{"]", "a"}, []string{"b"}},
		"dash at the end":         {"[a-]", []string{"a", "-"}, []string{"b"}},
		"escape":                  {`v\*`, []string{"v*"}, []string{"v1"}},
		"regexp characters":       {"a.b+(c)|d", []string{"a.b+(c)|d"}, []string{"aXb+(c)|d", "abbc"}},
		"dot is literal in class": {"[.]", []string{"."}, []string{"x"}},
		"unicode":                 {"fé*", []string{"fé-1"}, []string{"fe-1"}},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rx, problem := compileGlob(tc.pattern)
			require.Empty(t, problem)
			for _, s := range tc.match {
				require.True(t, rx.MatchString(s), "%q should match %q", tc.pattern, s)
			}
			for _, s := range tc.miss {
				require.False(t, rx.MatchString(s), "%q should not match %q", tc.pattern, s)
			}
		})
	}
}

func TestGlobErrors(t *testing.T) {
	tests := map[string]struct{ pattern, problem string }{
		"empty":              {"", "is empty"},
		"negation":           {"!master", `starts with "!": negated patterns are not supported`},
		"open class":         {"v[0-9", `has a "[" without its "]"`},
		"lone backslash":     {`v\`, `ends with a lone "\"`},
		"backslash in class": {`[a\`, `ends with a lone "\"`},
		"reversed range":     {"[z-a]", "is not a valid pattern"},
		"non-ASCII class":    {"[é]", "has a non-ASCII character in a character class"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			rx, problem := compileGlob(tc.pattern)
			require.Nil(t, rx)
			require.Equal(t, tc.problem, problem)
		})
	}
}
