package config

import (
	"regexp"
	"strings"
)

// compileGlob turns a branch or tag pattern into an anchored regular
// expression. "*" and "?" never match "/"; "**" matches anything,
// including "/"; "[...]" is a character class ("[!...]" or "[^...]"
// negates it, and a negated class never matches "/"); "\" makes the next
// character literal. On a bad pattern it returns the problem in words.
func compileGlob(p string) (*regexp.Regexp, string) {
	if p == "" {
		return nil, "is empty"
	}
	if p[0] == '!' {
		return nil, "starts with \"!\": negated patterns are not supported"
	}
	var re strings.Builder
	re.WriteString("^")
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '*':
			n := 1
			for i+1 < len(p) && p[i+1] == '*' {
				i++
				n++
			}
			if n == 1 {
				re.WriteString("[^/]*")
			} else {
				re.WriteString(".*")
			}
		case '?':
			re.WriteString("[^/]")
		case '\\':
			if i+1 == len(p) {
				return nil, "ends with a lone \"\\\""
			}
			i++
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		case '[':
			class, n, problem := globClass(p[i:])
			if problem != "" {
				return nil, problem
			}
			re.WriteString(class)
			i += n - 1
		default:
			re.WriteString(regexp.QuoteMeta(p[i : i+1]))
		}
	}
	re.WriteString("$")
	rx, err := regexp.Compile(re.String())
	if err != nil {
		return nil, "is not a valid pattern"
	}
	return rx, ""
}

// globClass translates the character class at the start of p ("[...]")
// and returns it with the number of bytes it took. A "]" right after the
// opening "[" (or "[!") is a member, as in path.Match.
func globClass(p string) (string, int, string) {
	var b strings.Builder
	b.WriteString("[")
	i := 1
	if i < len(p) && (p[i] == '!' || p[i] == '^') {
		b.WriteString("^/")
		i++
	}
	for start := i; i < len(p); i++ {
		c := p[i]
		switch {
		case c == ']' && i > start:
			b.WriteString("]")
			return b.String(), i + 1, ""
		case c == '-' && i > start && i+1 < len(p) && p[i+1] != ']':
			b.WriteString("-")
			continue
		case c == '\\':
			if i+1 == len(p) {
				return "", 0, "ends with a lone \"\\\""
			}
			i++
			c = p[i]
		}
		switch {
		case c >= 0x80:
			return "", 0, "has a non-ASCII character in a character class"
		case isAlnum(c):
			b.WriteByte(c)
		default:
			b.WriteByte('\\')
			b.WriteByte(c)
		}
	}
	return "", 0, "has a \"[\" without its \"]\""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// matchAny reports the first pattern that matches name.
func matchAny(patterns []string, name string) (string, bool) {
	for _, p := range patterns {
		if rx, _ := compileGlob(p); rx != nil && rx.MatchString(name) {
			return p, true
		}
	}
	return "", false
}
