package config

import (
	"bytes"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

var (
	topKeys    = []string{"app", "timeout", "targets"}
	targetKeys = []string{"branches", "tags", "pull_requests", "rack", "app", "timeout", "steps"}
)

// exampleTarget is the smallest useful target, for fixes.
const exampleTarget = "targets: {staging: {branches: [master], rack: org/staging, steps: [deploy]}}"

// loader reads one rules file's syntax tree.
type loader struct {
	file   string
	lookup func(string) (string, bool)
	cur    *Target // the target being read: problems caused by the environment wait there
}

// entry is one key and its value in a mapping.
type entry struct {
	key     string
	keyNode ast.Node
	val     ast.Node
}

// Parse checks the rules file data, read from path, and resolves its
// ${VAR}s with lookup. Every error it returns is an *Error.
func Parse(path string, data []byte, lookup func(string) (string, bool)) (*File, error) {
	if path == "" {
		path = DefaultFile
	}
	l := &loader{file: path, lookup: lookup}
	f, e := l.parse(data)
	if e != nil {
		return nil, e
	}
	return f, nil
}

func (l *loader) parse(data []byte) (*File, *Error) {
	data = bytes.TrimPrefix(data, []byte("\ufeff")) // a byte order mark, as some Windows editors write
	tree, e := l.syntax(data)
	if e != nil {
		return nil, e
	}
	var docs []*ast.DocumentNode
	for _, d := range tree.Docs {
		if d != nil && !isNil(d.Body) {
			docs = append(docs, d)
		}
	}
	if len(docs) == 0 {
		return nil, &Error{File: l.file, Line: 1, Column: 1,
			Msg: "the rules file is empty",
			Fix: "define at least one target, e.g. " + exampleTarget}
	}
	if len(docs) > 1 {
		return nil, l.errf(docs[1].Body, "keep one document: remove the second \"---\" and what follows, or merge it into the first",
			"the rules file holds more than one YAML document")
	}
	root, e := l.unwrap(docs[0].Body)
	if e != nil {
		return nil, e
	}
	if _, ok := mappingValues(root); !ok {
		return nil, l.errf(root, "start the file with keys such as app: and targets:, e.g. "+exampleTarget,
			"the rules file must be a mapping of keys (app, timeout, targets), not %s", describe(root))
	}
	fields, e := l.fields(root, "at the top level", topKeys, topHint)
	if e != nil {
		return nil, e
	}
	f := &File{Path: l.file}
	if en, ok := fields["app"]; ok {
		if f.App, e = l.str(en, "app", true); e != nil {
			return nil, e
		}
		if e = l.name(en, f.App, "app"); e != nil {
			return nil, e
		}
	}
	if en, ok := fields["timeout"]; ok {
		if f.Timeout, e = l.duration(en); e != nil {
			return nil, e
		}
	}
	en, ok := fields["targets"]
	if !ok {
		return nil, l.errf(root, "add "+exampleTarget, "the rules file has no targets")
	}
	if f.Targets, e = l.targets(en, f); e != nil {
		return nil, e
	}
	return f, nil
}

// syntax parses the YAML text, turning the parser's errors (and panics)
// into *Error at the parser's position.
func (l *loader) syntax(data []byte) (tree *ast.File, e *Error) {
	defer func() {
		if r := recover(); r != nil {
			tree, e = nil, &Error{File: l.file, Line: 1, Column: 1,
				Msg: "the YAML parser could not read the file",
				Fix: "check the file is valid YAML (a linter such as yamllint will point at the mistake)"}
		}
	}()
	tree, err := parser.ParseBytes(data, 0, parser.AllowDuplicateMapKey())
	if err == nil {
		return tree, nil
	}
	e = &Error{File: l.file, Line: 1, Column: 1, Msg: "invalid YAML: " + err.Error(),
		Fix: "check the indentation and quoting at this position (quote values that start with *, &, !, [, {, %, @ or `)"}
	var ye yaml.Error
	if errors.As(err, &ye) {
		e.Msg = "invalid YAML: " + ye.GetMessage()
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			e.Line, e.Column = max(tk.Position.Line, 1), max(tk.Position.Column, 1)
		}
	}
	e.Msg = strings.ReplaceAll(e.Msg, "\t", `\t`)
	if hasTab(data, e.Line) || strings.Contains(e.Msg, `'\t'`) {
		e.Fix = "indent with spaces: YAML does not allow tabs for indentation"
	}
	return nil, e
}

// hasTab reports whether line (from 1) of data holds a tab.
func hasTab(data []byte, line int) bool {
	lines := strings.Split(string(data), "\n")
	return line >= 1 && line <= len(lines) && strings.Contains(lines[line-1], "\t")
}

// targets reads the targets mapping.
func (l *loader) targets(en entry, f *File) ([]Target, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return nil, e
	}
	pairs, ok := mappingValues(val)
	if !ok {
		return nil, l.errf(val, "write targets as a mapping from each target's name to its settings, e.g. "+exampleTarget,
			"targets must be a mapping of target names to targets, not %s", describe(val))
	}
	if len(pairs) == 0 {
		return nil, l.errf(val, "define at least one target, e.g. "+exampleTarget, "targets is empty")
	}
	entries, e := l.entries(pairs, "in targets")
	if e != nil {
		return nil, e
	}
	out := make([]Target, 0, len(entries))
	for _, te := range entries {
		t, e := l.target(te, f)
		if e != nil {
			return nil, e
		}
		out = append(out, t)
	}
	return out, nil
}

// target reads one target.
func (l *loader) target(te entry, f *File) (Target, *Error) {
	t := Target{Name: te.key, Pos: posOf(te.keyNode), Timeout: f.Timeout}
	l.cur = &t
	defer func() { l.cur = nil }()
	if !validTargetName(te.key) {
		return t, l.errf(te.keyNode, "use letters, digits, \".\", \"_\" and \"-\"",
			"target name %q has characters other than letters, digits, \".\", \"_\" and \"-\"", short(te.key))
	}
	where := fmt.Sprintf("target %q", te.key)
	val, e := l.unwrap(te.val)
	if e != nil {
		return t, e
	}
	if _, ok := mappingValues(val); !ok {
		return t, l.errf(val, "give the target keys such as branches:, rack: and steps:, e.g. "+
			"staging: {branches: [master], rack: org/staging, steps: [deploy]}",
			"%s must be a mapping of settings, not %s", where, describe(val))
	}
	fields, e := l.fields(val, "in "+where, targetKeys, targetHint)
	if e != nil {
		return t, e
	}
	t.App = f.App
	if en, ok := fields["app"]; ok {
		if t.App, e = l.str(en, "app", true); e != nil {
			return t, e
		}
		if e = l.name(en, t.App, "app"); e != nil {
			return t, e
		}
	} else if f.App == "" {
		return t, l.errf(te.keyNode, "add app: NAME to the target, or app: NAME at the top of the file for every target",
			"%s has no app, and the file has no top-level app", where)
	}
	en, ok := fields["rack"]
	if !ok {
		return t, l.errf(te.keyNode, "add rack: ORG/RACK (the Rack to deploy to) to the target",
			"%s has no rack", where)
	}
	if t.Rack, e = l.str(en, "rack", true); e != nil {
		return t, e
	}
	if e = l.name(en, t.Rack, "rack"); e != nil {
		return t, e
	}
	if en, ok := fields["timeout"]; ok {
		if t.Timeout, e = l.duration(en); e != nil {
			return t, e
		}
	}
	if en, ok := fields["branches"]; ok {
		if t.Branches, e = l.patterns(en); e != nil {
			return t, e
		}
	}
	if en, ok := fields["tags"]; ok {
		if t.Tags, e = l.patterns(en); e != nil {
			return t, e
		}
	}
	if en, ok := fields["pull_requests"]; ok {
		if t.PullRequests, e = l.boolean(en); e != nil {
			return t, e
		}
	}
	if len(t.Branches) == 0 && len(t.Tags) == 0 {
		return t, l.errf(te.keyNode, "add branches: [master] or tags: [\"v*\"] to say which builds it deploys",
			"%s has no branches and no tags, so it would never match", where)
	}
	if t.PullRequests && len(t.Branches) == 0 {
		en := fields["pull_requests"]
		return t, l.errf(en.keyNode, "add branches: the pull requests into those branches match",
			"%s sets pull_requests: true but has no branches: a pull request matches by the branch it targets", where)
	}
	en, ok = fields["steps"]
	if !ok {
		return t, l.errf(te.keyNode, "add steps: [deploy], or the list of steps to run",
			"%s has no steps", where)
	}
	if t.Steps, e = l.steps(en, &t); e != nil {
		return t, e
	}
	return t, nil
}

// validTargetName reports whether s is a usable target name.
func validTargetName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// topHint explains a key that belongs somewhere other than the top level.
func topHint(key string) string {
	switch key {
	case "branches", "tags", "pull_requests", "rack", "steps":
		return fmt.Sprintf("move %s under a target: targets: {NAME: {%s: ...}}", key, key)
	}
	return ""
}

// targetHint explains a key that belongs somewhere other than a target.
func targetHint(key string) string {
	if _, ok := stepFields[key]; ok {
		return fmt.Sprintf("steps go in the target's list: steps: [%s]", key)
	}
	if key == "targets" {
		return "targets is a top-level key: move it to the start of a line"
	}
	return ""
}

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

// errf makes an *Error at n's position.
func (l *loader) errf(n ast.Node, fix, format string, args ...any) *Error {
	p := posOf(n)
	return &Error{File: l.file, Line: p.Line, Column: p.Column, Msg: fmt.Sprintf(format, args...), Fix: fix}
}

// unwrap looks through standard YAML tags (!!str) and rejects anchors,
// aliases and custom tags.
func (l *loader) unwrap(n ast.Node) (ast.Node, *Error) {
	for {
		switch v := n.(type) {
		case *ast.TagNode:
			if v.Start == nil || !strings.HasPrefix(v.Start.Value, "!!") {
				return nil, l.errf(v, "remove the tag", "YAML tag %q is not supported", short(tagName(v)))
			}
			if isNil(v.Value) {
				return nil, l.errf(v, "write a value after the tag, or remove the tag", "YAML tag %q has no value", short(tagName(v)))
			}
			n = v.Value
		case *ast.AnchorNode, *ast.AliasNode:
			return nil, l.errf(v, `write the value out in full; quote text that starts with * or &, e.g. "*-rc"`,
				"anchors (&name) and aliases (*name) are not supported")
		default:
			return n, nil
		}
	}
}

// unwrapQuiet looks through tags, ignoring problems unwrap reports.
func unwrapQuiet(n ast.Node) ast.Node {
	for {
		t, ok := n.(*ast.TagNode)
		if !ok || isNil(t.Value) {
			return n
		}
		n = t.Value
	}
}

func tagName(t *ast.TagNode) string {
	if t.Start == nil {
		return "!"
	}
	return t.Start.Value
}

// mappingValues returns the pairs of a mapping node.
func mappingValues(n ast.Node) ([]*ast.MappingValueNode, bool) {
	switch v := n.(type) {
	case *ast.MappingNode:
		if v == nil {
			return nil, false
		}
		return v.Values, true
	case *ast.MappingValueNode:
		if v == nil {
			return nil, false
		}
		return []*ast.MappingValueNode{v}, true
	}
	return nil, false
}

func isMapping(n ast.Node) bool {
	_, ok := mappingValues(unwrapQuiet(n))
	return ok
}

// scalarText returns the text of a scalar other than null: the string's
// value, or a number's or boolean's text as written.
func scalarText(n ast.Node) (string, bool) {
	if isNil(n) {
		return "", false
	}
	switch v := n.(type) {
	case *ast.StringNode:
		return v.Value, true
	case *ast.LiteralNode:
		if v.Value == nil {
			return "", false
		}
		return v.Value.Value, true
	case *ast.IntegerNode, *ast.FloatNode, *ast.BoolNode, *ast.InfinityNode, *ast.NanNode:
		if tk := v.GetToken(); tk != nil {
			return tk.Value, true
		}
	}
	return "", false
}

func isNull(n ast.Node) bool {
	_, ok := n.(*ast.NullNode)
	return ok || isNil(n)
}

// describe names the kind of a node for messages.
func describe(n ast.Node) string {
	if isNil(n) {
		return "empty"
	}
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.NullNode:
		return "empty"
	case *ast.BoolNode:
		return "true/false"
	case *ast.IntegerNode, *ast.FloatNode, *ast.InfinityNode, *ast.NanNode:
		return "a number"
	case *ast.StringNode, *ast.LiteralNode:
		return "a string"
	case *ast.MappingKeyNode:
		return "a complex key (\"? \")"
	}
	return "a " + strings.ToLower(n.Type().String())
}

// posOf is where n starts, never before 1:1.
func posOf(n ast.Node) Pos {
	if isNil(n) {
		return Pos{1, 1}
	}
	switch v := n.(type) {
	case *ast.MappingNode:
		if len(v.Values) > 0 && v.Values[0] != nil && !v.IsFlowStyle {
			return posOf(v.Values[0])
		}
	case *ast.MappingValueNode:
		if !isNil(v.Key) {
			return posOf(v.Key)
		}
	case *ast.TagNode:
		if v.Start != nil && v.Start.Position != nil {
			return Pos{max(v.Start.Position.Line, 1), max(v.Start.Position.Column, 1)}
		}
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{1, 1}
	}
	return Pos{max(tk.Position.Line, 1), max(tk.Position.Column, 1)}
}

// isNil reports whether n is nil or a nil pointer in an interface.
func isNil(n ast.Node) bool {
	if n == nil {
		return true
	}
	v := reflect.ValueOf(n)
	return v.Kind() == reflect.Pointer && v.IsNil()
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
