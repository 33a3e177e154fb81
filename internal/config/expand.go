package config

import (
	"fmt"
	"strings"
)

// varProblem is what went wrong expanding ${VAR}s in one string.
type varProblem struct {
	Msg, Fix string
	Offset   int  // byte offset of the "$" in the string
	Env      bool // caused by the environment (a missing or empty variable), not by the file's text
}

// expand replaces each ${NAME} in s with lookup(NAME) and each "$$" with
// "$". A "$" followed by anything else stays as it is. The problem, if any,
// names the variable but never its value.
func expand(s string, lookup func(string) (string, bool)) (string, *varProblem) {
	if !strings.Contains(s, "$") {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
			continue
		case '{':
		default:
			b.WriteByte('$')
			continue
		}
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return "", &varProblem{
				Msg:    `"${" is not closed by "}"`,
				Fix:    `write ${NAME} for the variable NAME, or $$ for a literal "$"`,
				Offset: i,
			}
		}
		name := s[i+2 : i+2+end]
		if !validName(name) {
			return "", &varProblem{
				Msg:    fmt.Sprintf("%q is not a variable name (${...} takes a name of letters, digits and _, with no default or modifier)", short(name)),
				Fix:    `write ${NAME}, or $$ for a literal "$"`,
				Offset: i,
			}
		}
		v, ok := "", false
		if lookup != nil {
			v, ok = lookup(name)
		}
		switch {
		case !ok:
			return "", &varProblem{
				Msg:    fmt.Sprintf("environment variable %s (for ${%s}) is not set", name, name),
				Fix:    fmt.Sprintf("set %s in the CI's environment (as a secret if it is one), or write $${%s} for the literal text", name, name),
				Offset: i, Env: true,
			}
		case v == "":
			return "", &varProblem{
				Msg:    fmt.Sprintf("environment variable %s (for ${%s}) is empty", name, name),
				Fix:    fmt.Sprintf("give %s a value in the CI's environment", name),
				Offset: i, Env: true,
			}
		}
		b.WriteString(v)
		i += 2 + end
	}
	return b.String(), nil
}

// validName reports whether s is an environment variable name.
func validName(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c != '_' && !isAlnum(c) {
			return false
		}
	}
	return true
}
