package config

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml/ast"
)

// fields reads the mapping n, whose keys must be among known. where names
// the mapping in messages ("in target \"staging\"").
func (l *loader) fields(n ast.Node, where string, known []string, hint func(string) string) (map[string]entry, *Error) {
	pairs, _ := mappingValues(n)
	entries, e := l.entries(pairs, where)
	if e != nil {
		return nil, e
	}
	out := make(map[string]entry, len(entries))
	for _, en := range entries {
		if !contains(known, en.key) {
			return nil, l.unknownKey(en, where, known, hint)
		}
		out[en.key] = en
	}
	return out, nil
}

// unknownKey reports a key that is not among known.
func (l *loader) unknownKey(en entry, where string, known []string, hint func(string) string) *Error {
	msg := fmt.Sprintf("unknown key %q %s", short(en.key), where)
	fix := ""
	if hint != nil {
		fix = hint(en.key)
	}
	if s := suggest(en.key, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
		if fix == "" {
			fix = fmt.Sprintf("rename it to %q", s)
		}
	}
	if fix == "" {
		fix = "remove it; the keys allowed here are " + strings.Join(known, ", ")
		if where != "at the top level" && isMapping(en.val) {
			fix += fmt.Sprintf(" (if %q is meant to be a target, indent it like the other targets)", short(en.key))
		}
	}
	return l.errf(en.keyNode, fix, "%s", msg)
}

// entries reads the keys of a mapping, rejecting duplicates and keys that
// are not plain names.
func (l *loader) entries(pairs []*ast.MappingValueNode, where string) ([]entry, *Error) {
	seen := map[string]ast.Node{}
	out := make([]entry, 0, len(pairs))
	for _, p := range pairs {
		if p == nil || isNil(p.Key) {
			return nil, l.errf(p, "write each key as a plain name followed by \":\"", "a key %s is missing", where)
		}
		k, e := l.unwrap(p.Key)
		if e != nil {
			return nil, e
		}
		if _, ok := k.(*ast.MergeKeyNode); ok {
			return nil, l.errf(k, "write the keys out in full", "merge keys (<<) are not supported")
		}
		key, ok := scalarText(k)
		if !ok {
			return nil, l.errf(k, "write each key as a plain name followed by \":\"",
				"a key %s is %s, not a name", where, describe(k))
		}
		if first, dup := seen[key]; dup {
			return nil, l.errf(k, "keep one of them (YAML keeps only one)",
				"%q appears twice %s (first at line %d)", short(key), where, posOf(first).Line)
		}
		seen[key] = k
		out = append(out, entry{key: key, keyNode: k, val: p.Value})
	}
	return out, nil
}

// str reads a string value; with vars, ${VAR}s are expanded.
func (l *loader) str(en entry, what string, vars bool) (string, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return "", e
	}
	s, ok := scalarText(val)
	if !ok {
		if isNull(val) {
			return "", l.errf(val, fmt.Sprintf("write %s: VALUE, or remove the key", en.key), "%s has no value", what)
		}
		return "", l.errf(val, fmt.Sprintf("write %s: VALUE, a single string", en.key), "%s must be a string, not %s", what, describe(val))
	}
	if !vars {
		return s, nil
	}
	return l.expandAt(val, s, true)
}

// secretRef is the only way a password may be written: one ${VAR}.
var secretRef = regexp.MustCompile(`^\$\{[A-Za-z_][A-Za-z0-9_]*\}$`)

// connection reads the host: and password: of a target or an import. The
// password must be a ${VAR} (a secret is never written in the rules file)
// and its value is recorded among the target's secrets.
func (l *loader) connection(fields map[string]entry) (Connection, *Error) {
	var c Connection
	var e *Error
	if en, ok := fields["host"]; ok {
		if c.Host, e = l.str(en, "host", true); e != nil {
			return c, e
		}
		raw, _ := scalarText(unwrapQuiet(en.val))
		if strings.TrimSpace(raw) == "" {
			return c, l.errf(en.val, "write host: ${PRODUCTION_CONVOX_HOST}, or remove the key to use CONVOX_HOST", "host is empty")
		}
		if key, ok := hostKey(raw); ok && !secretRef.MatchString(key) {
			return c, l.errf(en.val, "write the host as a ${VAR} (host: ${PRODUCTION_CONVOX_HOST}), or the key as one (https://convox:${PRODUCTION_KEY}@rack.example.org), and keep the key in the CI's secret settings",
				"host carries a key written in the rules file (not repeated here): a Rack API key is a secret and is never written there")
		}
		// The key the expanded host carries (from ${PRODUCTION_KEY} or inside
		// ${PRODUCTION_CONVOX_HOST}) is a secret; the rest of it names a place.
		if key, ok := hostKey(c.Host); ok && l.cur != nil && !contains(l.cur.Secrets, key) {
			l.cur.Secrets = append(l.cur.Secrets, key)
		}
	}
	if en, ok := fields["password"]; ok {
		val, e := l.unwrap(en.val)
		if e != nil {
			return c, e
		}
		raw, _ := scalarText(val)
		if !secretRef.MatchString(strings.TrimSpace(raw)) {
			return c, l.errf(val, "write password: ${PRODUCTION_CONVOX_PASSWORD} and keep the key in the CI's secret settings",
				"password must be a ${VAR}: a Rack API key is a secret and is never written in the rules file")
		}
		if c.Password, e = l.expandSecret(val, strings.TrimSpace(raw), true); e != nil {
			return c, e
		}
	}
	return c, nil
}

// hostKey is the key a host: carries as written (user:KEY@host, with or
// without a scheme), if any.
func hostKey(written string) (string, bool) {
	s := strings.TrimSpace(written)
	if _, rest, ok := strings.Cut(s, "://"); ok {
		s = rest
	}
	s, _, _ = strings.Cut(s, "/") // the authority: an @ in a path is no key
	at := strings.LastIndex(s, "@")
	if at < 0 {
		return "", false
	}
	_, key, ok := strings.Cut(s[:at], ":")
	return key, ok && key != ""
}

// name checks a rack or app name as written (before expansion).
func (l *loader) name(en entry, expanded, what string) *Error {
	raw, _ := scalarText(unwrapQuiet(en.val))
	if raw == "" || expanded == "" && !strings.Contains(raw, "${") {
		return l.errf(en.val, fmt.Sprintf("write the %s's name, e.g. %s: %s", what, what, map[string]string{"rack": "org/staging", "app": "example-app"}[what]),
			"%s is empty", what)
	}
	if strings.ContainsAny(raw, " \t\r\n") {
		return l.errf(en.val, fmt.Sprintf("write the %s's name without spaces", what), "%s %q has a space in it", what, short(raw))
	}
	return nil
}

// expandAt expands the ${VAR}s of s, the text of n (or, when !whole, one
// word of it, whose place in n is not known). A variable the environment lacks is an error at
// once outside a target and waits on the target inside one.
func (l *loader) expandAt(n ast.Node, s string, whole bool) (string, *Error) {
	v, p := expand(s, l.lookup)
	if p == nil {
		return v, nil
	}
	e := l.errf(n, p.Fix, "%s", p.Msg)
	if whole {
		e.Column += columnOffset(n, s, p.Offset)
	}
	if p.Env && l.cur != nil {
		if l.cur.unresolved == nil {
			l.cur.unresolved = e
		}
		return "", nil
	}
	return "", e
}

// expandSecret expands s as expandAt does, and records the value of each
// ${VAR} in the current target's Secrets: env values and run commands.
func (l *loader) expandSecret(n ast.Node, s string, whole bool) (string, *Error) {
	lookup := l.lookup
	if lookup == nil || l.cur == nil {
		return l.expandAt(n, s, whole)
	}
	t := l.cur
	l.lookup = func(name string) (string, bool) {
		v, ok := lookup(name)
		if ok && v != "" && !contains(t.Secrets, v) {
			t.Secrets = append(t.Secrets, v)
		}
		return v, ok
	}
	defer func() { l.lookup = lookup }()
	return l.expandAt(n, s, whole)
}

// columnOffset is how many columns past n's position the byte off of its
// value s is, when the source spells the value out as is; else 0.
func columnOffset(n ast.Node, s string, off int) int {
	tk := n.GetToken()
	if tk == nil || off > len(s) || strings.ContainsAny(s, "\r\n") {
		return 0
	}
	cols := utf8.RuneCountInString(s[:off])
	switch strings.TrimSpace(tk.Origin) {
	case s:
		return cols
	case `"` + s + `"`, `'` + s + `'`:
		return cols + 1
	}
	return 0
}

// duration reads a positive duration such as 30m.
func (l *loader) duration(en entry) (time.Duration, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return 0, e
	}
	s, ok := scalarText(val)
	fix := fmt.Sprintf("write a duration with its unit, e.g. %s: 10m, 90s or 1h30m", en.key)
	if !ok {
		return 0, l.errf(val, fix, "%s must be a duration, not %s", en.key, describe(val))
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, l.errf(val, fix, "%s %q is not a duration", en.key, short(s))
	}
	if d <= 0 {
		return 0, l.errf(val, fix, "%s must be more than zero", en.key)
	}
	return d, nil
}

// boolean reads true or false.
func (l *loader) boolean(en entry) (bool, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return false, e
	}
	b, ok := val.(*ast.BoolNode)
	if !ok {
		return false, l.errf(val, fmt.Sprintf("write %s: true or %s: false, without quotes", en.key, en.key),
			"%s must be true or false, not %s", en.key, describe(val))
	}
	return b.Value, nil
}

// patterns reads a list of glob patterns (or a single one).
func (l *loader) patterns(en entry) ([]string, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return nil, e
	}
	fix := fmt.Sprintf("write a list of patterns, e.g. %s: [master, \"release/*\"]", en.key)
	if en.key == "tags" {
		fix = "write a list of patterns, e.g. tags: [\"v*\"]"
	}
	var items []ast.Node
	switch v := val.(type) {
	case *ast.SequenceNode:
		items = v.Values
	default:
		if _, ok := scalarText(v); !ok {
			return nil, l.errf(val, fix, "%s must be a list of patterns, not %s", en.key, describe(val))
		}
		items = []ast.Node{v}
	}
	out := make([]string, 0, len(items))
	for _, it := range items {
		it, e := l.unwrap(it)
		if e != nil {
			return nil, e
		}
		s, ok := scalarText(it)
		if !ok {
			return nil, l.errf(it, fix, "each of %s must be a pattern (a string), not %s", en.key, describe(it))
		}
		if _, problem := compileGlob(s); problem != "" {
			return nil, l.errf(it, "write a glob: * matches within one path segment, ** across \"/\", ? one character, [abc] a class; quote patterns that start with * or [",
				"pattern %q %s", short(s), problem)
		}
		out = append(out, s)
	}
	return out, nil
}
