package steps

import (
	"fmt"
	"strconv"
	"strings"
)

// ParseDotenv reads KEY=VALUE lines as dotenv files write them: blank lines
// and # comments skipped, an optional "export " prefix, values optionally in
// single quotes (literal) or double quotes (with \n, \", \\ escapes).
// Errors name the line, never the value.
func ParseDotenv(s string) ([]EnvVar, error) {
	var vars []EnvVar
	for n, line := range strings.Split(s, "\n") {
		line = strings.TrimRight(line, "\r")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" || strings.HasPrefix(trimmed, "#") {
			continue
		}
		trimmed = strings.TrimPrefix(trimmed, "export ")
		k, v, ok := strings.Cut(trimmed, "=")
		if !ok {
			return nil, fmt.Errorf("line %d: no \"=\": write KEY=VALUE", n+1)
		}
		k = strings.TrimSpace(k)
		if err := ValidateKey(k); err != nil {
			return nil, fmt.Errorf("line %d: %w", n+1, err)
		}
		v = strings.TrimSpace(v)
		switch {
		case len(v) >= 2 && v[0] == '\'' && v[len(v)-1] == '\'':
			v = v[1 : len(v)-1]
		case len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"':
			u, err := strconv.Unquote(v)
			if err != nil {
				return nil, fmt.Errorf("line %d: the double-quoted value of %s is not valid", n+1, k)
			}
			v = u
		case strings.HasPrefix(v, "'") || strings.HasPrefix(v, "\""):
			return nil, fmt.Errorf("line %d: the value of %s has an unterminated quote", n+1, k)
		default:
			if i := strings.Index(v, " #"); i >= 0 {
				v = strings.TrimSpace(v[:i])
			}
		}
		if strings.ContainsAny(v, "\r\n") {
			return nil, fmt.Errorf("line %d: the value of %s contains a line break: Convox environment values are single lines", n+1, k)
		}
		vars = append(vars, EnvVar{Key: k, Value: v})
	}
	return vars, nil
}
