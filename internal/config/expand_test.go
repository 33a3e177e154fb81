package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestExpand(t *testing.T) {
	lookup := env(map[string]string{"A": "alpha", "B_2": "beta", "EMPTY": "", "DOLLAR": "$X ${A}"})
	tests := map[string]struct {
		in, want string
		problem  string // substring of the problem's message; "" for none
		offset   int
		env      bool
	}{
		"no dollar":                  {in: "plain", want: "plain"},
		"one variable":               {in: "${A}", want: "alpha"},
		"inside text":                {in: "x-${A}-${B_2}!", want: "x-alpha-beta!"},
		"double dollar":              {in: "$$5 and $${A}", want: "$5 and ${A}"},
		"bare dollar stays":          {in: "$A $ a$", want: "$A $ a$"},
		"values are not re-expanded": {in: "${DOLLAR}", want: "$X ${A}"},
		"unset":                      {in: "ab${NOPE}", problem: "environment variable NOPE (for ${NOPE}) is not set", offset: 2, env: true},
		"empty":                      {in: "${EMPTY}", problem: "environment variable EMPTY (for ${EMPTY}) is empty", env: true},
		"unterminated":               {in: "x${A", problem: `"${" is not closed by "}"`, offset: 1},
		"empty name":                 {in: "${}", problem: `"" is not a variable name`},
		"default syntax":             {in: "${A:-b}", problem: `"A:-b" is not a variable name`},
		"digit first":                {in: "${1A}", problem: `"1A" is not a variable name`},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			got, p := expand(tc.in, lookup)
			if tc.problem == "" {
				require.Nil(t, p)
				require.Equal(t, tc.want, got)
				return
			}
			require.NotNil(t, p)
			require.Contains(t, p.Msg, tc.problem)
			require.NotEmpty(t, p.Fix)
			require.Equal(t, tc.offset, p.Offset)
			require.Equal(t, tc.env, p.Env)
		})
	}
}

func TestExpandNilLookup(t *testing.T) {
	_, p := expand("${A}", nil)
	require.NotNil(t, p)
	require.True(t, p.Env)
}

func TestSuggest(t *testing.T) {
	tests := map[string]struct{ word, want string }{
		"one letter off":  {"brnches", "branches"},
		"singular":        {"branch", "branches"},
		"case":            {"Rack", "rack"},
		"underscore":      {"pullrequests", "pull_requests"},
		"too far":         {"colour", ""},
		"short and wrong": {"x", ""},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			require.Equal(t, tc.want, suggest(tc.word, targetKeys))
		})
	}
}
