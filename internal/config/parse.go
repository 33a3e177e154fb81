package config

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"
)

var (
	topKeys    = []string{"app", "timeout", "targets"}
	targetKeys = []string{"branches", "tags", "pull_requests", "rack", "host", "password", "app", "timeout", "steps"}
)

// exampleTarget is the smallest useful target, for fixes.
const exampleTarget = "targets: {staging: {branches: [master], rack: org/staging, steps: [deploy]}}"

// loader reads one rules file's syntax tree.
type loader struct {
	file   string
	lookup func(string) (string, bool)
	cur    *Target // the target being read: problems caused by the environment wait there
	appErr *Error  // the top-level app's ${VAR} the environment lacks: waits on each target taking that app
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
	if e := l.checkLimits(data); e != nil {
		return nil, e
	}
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
		// Read as part of every target that takes it: a ${VAR} the
		// environment lacks stops only those, as a target's own does.
		var takers Target
		l.cur = &takers
		f.App, e = l.str(en, "app", true)
		l.cur, l.appErr = nil, takers.unresolved
		if e != nil {
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
	} else if l.appErr != nil {
		t.unresolved = l.appErr
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
	if t.Conn, e = l.connection(fields); e != nil {
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
