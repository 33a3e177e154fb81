package config

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	"github.com/convox-ci/convox-ci/internal/shellwords"
)

// stepFields lists the keys each step kind takes.
var stepFields = map[string][]string{
	KindBuild:    {"manifest", "build_args", "no_cache", "description", "timeout"},
	KindDeploy:   {"manifest", "build_args", "no_cache", "description", "timeout"},
	KindPromote:  {"timeout"},
	KindRun:      {"service", "command", "release", "timeout"},
	KindEnv:      {"values", "replace", "promote", "timeout"},
	KindImport:   {"from", "app", "host", "password", "timeout"},
	KindExport:   {"file", "timeout"},
	KindRollback: {"release", "timeout"},
}

// stepExample shows each kind that needs fields written out.
var stepExample = map[string]string{
	KindRun:    "- run: {service: web, command: bin/migrate}",
	KindEnv:    "- env: {values: {KEY: value}}",
	KindImport: "- import: {from: org/staging}",
	KindExport: "- export: {file: build.tgz}",
}

// buildExample shows a build's options, which it may go without.
const buildExample = "- build: {manifest: convox.yml, no_cache: true, build_args: {NODE_ENV: production}}"

// fieldOwner names the step kind a stray field belongs to.
var fieldOwner = map[string]string{
	"service": KindRun, "command": KindRun, "release": KindRun,
	"values": KindEnv, "replace": KindEnv,
	"from": KindImport, "file": KindExport,
	"manifest": KindBuild, "build_args": KindBuild, "no_cache": KindBuild, "description": KindBuild,
}

// steps reads a target's steps and checks their order.
func (l *loader) steps(en entry, t *Target) ([]Step, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return nil, e
	}
	seq, ok := val.(*ast.SequenceNode)
	if !ok {
		return nil, l.errf(val, "write steps as a list, one \"- step\" per line, e.g. steps: [build, promote]",
			"steps in target %q must be a list, not %s", t.Name, describe(val))
	}
	if len(seq.Values) == 0 {
		return nil, l.errf(val, "add at least one step, e.g. steps: [deploy]", "target %q has no steps", t.Name)
	}
	out := make([]Step, 0, len(seq.Values))
	for _, n := range seq.Values {
		s, e := l.step(n, t)
		if e != nil {
			return nil, e
		}
		out = append(out, s)
	}
	if e := l.order(out); e != nil {
		return nil, e
	}
	return out, nil
}

// step reads one step: a kind's name, or a mapping from a kind to its fields.
func (l *loader) step(n ast.Node, t *Target) (Step, *Error) {
	n, e := l.unwrap(n)
	if e != nil {
		return Step{}, e
	}
	kinds := "the step kinds are " + strings.Join(Kinds, ", ")
	if isNull(n) {
		return Step{}, l.errf(n, "write a step after \"-\"; "+kinds, "empty step")
	}
	if name, ok := scalarText(n); ok {
		s := Step{Kind: name, Pos: posOf(n)}
		if e := l.kind(n, name); e != nil {
			return s, e
		}
		if ex, ok := stepExample[name]; ok {
			return s, l.errf(n, "write "+ex, "%s step needs %s", article(name), needs(name))
		}
		return s, nil
	}
	pairs, ok := mappingValues(n)
	if !ok {
		return Step{}, l.errf(n, "write a step as its kind (- build) or its kind with fields ("+stepExample[KindRun]+")",
			"a step must be a name or a mapping, not %s", describe(n))
	}
	entries, e := l.entries(pairs, "in a step")
	if e != nil {
		return Step{}, e
	}
	if len(entries) == 0 {
		return Step{}, l.errf(n, "write a step after \"-\"; "+kinds, "empty step")
	}
	head := entries[0]
	s := Step{Kind: head.key, Pos: posOf(head.keyNode)}
	if owner, ok := fieldOwner[head.key]; ok {
		ex := stepExample[owner]
		if owner == KindBuild {
			ex = buildExample
		}
		return s, l.errf(head.keyNode, fmt.Sprintf("put the fields under the step's kind: %s", ex),
			"%q is a field of %s step, not a step", head.key, article(owner))
	}
	if e := l.kind(head.keyNode, head.key); e != nil {
		return s, e
	}
	if len(entries) > 1 {
		extra := entries[1]
		if _, isKind := stepFields[extra.key]; isKind {
			return s, l.errf(extra.keyNode, "start each step with its own \"- \"",
				"two steps (%s and %s) in one list item", head.key, extra.key)
		}
		return s, l.errf(extra.keyNode, fmt.Sprintf("indent %s under %s, as a field of the step", short(extra.key), head.key),
			"a step has one key, its kind (%s); %q is beside it", head.key, short(extra.key))
	}
	val, e := l.unwrap(head.val)
	if e != nil {
		return s, e
	}
	if isNull(val) {
		if ex, ok := stepExample[s.Kind]; ok {
			return s, l.errf(head.keyNode, "write "+ex, "%s step needs %s", article(s.Kind), needs(s.Kind))
		}
		return s, nil
	}
	if _, ok := mappingValues(val); !ok {
		ex := stepExample[s.Kind]
		if ex == "" {
			ex = fmt.Sprintf("- %s, or - %s: {timeout: 10m}", s.Kind, s.Kind)
		}
		return s, l.errf(val, "write "+ex, "the fields of %s step must be a mapping, not %s", article(s.Kind), describe(val))
	}
	where := fmt.Sprintf("in the %s step", s.Kind)
	fields, e := l.fields(val, where, stepFields[s.Kind], nil)
	if e != nil {
		return s, e
	}
	if en, ok := fields["timeout"]; ok {
		if s.Timeout, e = l.duration(en); e != nil {
			return s, e
		}
	}
	switch s.Kind {
	case KindRun:
		e = l.runStep(&s, head, fields)
	case KindEnv:
		e = l.envStep(&s, head, fields)
	case KindImport:
		e = l.importStep(&s, head, fields, t)
	case KindExport:
		e = l.exportStep(&s, head, fields)
	case KindBuild, KindDeploy:
		e = l.buildStep(&s, fields)
	case KindRollback:
		if en, ok := fields["release"]; ok {
			raw, _ := scalarText(unwrapQuiet(en.val))
			// Empty or blank as written, or a ${VAR} holding only spaces; a
			// ${VAR} the environment lacks waits on the target ("" here).
			if s.Release, e = l.str(en, "release", true); e == nil && strings.TrimSpace(s.Release) == "" && (s.Release != "" || !strings.Contains(raw, "${")) {
				e = l.errf(en.val, "write release: RXXXXXXXXXX, or drop it to roll back to the previous build", "release is empty")
			}
		}
	}
	return s, e
}

// kind checks a step kind's name.
func (l *loader) kind(n ast.Node, name string) *Error {
	if _, ok := stepFields[name]; ok {
		return nil
	}
	msg := fmt.Sprintf("unknown step %q", short(name))
	fix := "use one of " + strings.Join(Kinds, ", ")
	if s := suggest(name, Kinds); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
		fix = fmt.Sprintf("write %s; %s", s, fix)
	}
	return l.errf(n, fix, "%s", msg)
}

// needs says which fields a step kind must have.
func needs(kind string) string {
	switch kind {
	case KindRun:
		return "a service and a command"
	case KindEnv:
		return "values"
	case KindImport:
		return "from (the rack to import from)"
	case KindExport:
		return "a file"
	}
	return "nothing"
}

// article prefixes a step kind with "a" or "an".
func article(kind string) string {
	if strings.ContainsRune("aeiou", rune(kind[0])) {
		return "an " + kind
	}
	return "a " + kind
}

// missing reports a required field that is absent.
func (l *loader) missing(head entry, kind, field string) *Error {
	return l.errf(head.keyNode, fmt.Sprintf("add %s, e.g. %s", field, stepExample[kind]),
		"%s step needs %s", article(kind), needs(kind))
}

func (l *loader) runStep(s *Step, head entry, fields map[string]entry) *Error {
	en, ok := fields["service"]
	if !ok {
		return l.missing(head, KindRun, "service")
	}
	var e *Error
	if s.Service, e = l.str(en, "service", false); e != nil {
		return e
	}
	if s.Service == "" || strings.ContainsAny(s.Service, " \t\r\n") {
		return l.errf(en.val, "write the service's name as in convox.yml, e.g. service: web", "service %q is not a service name", short(s.Service))
	}
	if strings.Contains(s.Service, "${") { // taken as written, it would reach the Rack after the build
		return l.errf(en.val, "write the service's name as in convox.yml, e.g. service: web (a ${VAR} is not expanded in service)", "service %q is not a service name", short(s.Service))
	}
	en, ok = fields["command"]
	if !ok {
		return l.missing(head, KindRun, "command")
	}
	if s.Command, s.Written, e = l.command(en); e != nil {
		return e
	}
	if en, ok := fields["release"]; ok {
		if s.Release, e = l.str(en, "release", true); e != nil {
			return e
		}
	}
	return nil
}

// command reads a command: a line split like a shell would, or a list of
// words. ${VAR}s are expanded in each word after splitting; their values
// are the target's secrets. It returns the words expanded and as written.
func (l *loader) command(en entry) ([]string, []string, *Error) {
	val, e := l.unwrap(en.val)
	if e != nil {
		return nil, nil, e
	}
	fix := "write command: bin/migrate --all, or a list: command: [bin/migrate, --all]"
	var (
		words []string
		nodes []ast.Node
		split bool // words come from splitting one line: their columns are not known
	)
	if line, ok := scalarText(val); ok {
		w, err := shellwords.Split(line)
		if err != nil {
			return nil, nil, l.errf(val, "close the quote, or write the command as a list of words", "command %v", err)
		}
		for range w {
			nodes = append(nodes, val)
		}
		words, split = w, true
	} else if seq, ok := val.(*ast.SequenceNode); ok {
		for _, it := range seq.Values {
			it, e := l.unwrap(it)
			if e != nil {
				return nil, nil, e
			}
			w, ok := scalarText(it)
			if !ok {
				return nil, nil, l.errf(it, fix, "each word of command must be a string, not %s", describe(it))
			}
			words = append(words, w)
			nodes = append(nodes, it)
		}
	} else if !isNull(val) {
		return nil, nil, l.errf(val, fix, "command must be a string or a list of words, not %s", describe(val))
	}
	if len(words) == 0 {
		return nil, nil, l.errf(val, fix, "command is empty")
	}
	out := make([]string, len(words))
	const header = "the command travels to the Rack in an HTTP header, which cannot carry one"
	for i, w := range words {
		if out[i], e = l.expandSecret(nodes[i], w, !split); e != nil {
			return nil, nil, e
		}
		switch {
		case !hasControl(out[i]):
		case hasControl(w):
			return nil, nil, l.errf(nodes[i], "write the command on one line, without control characters",
				"command has a line break or control character: %s", header)
		case l.cur != nil && l.cur.unresolved == nil:
			// Never the value: it may be a secret.
			l.cur.unresolved = l.errf(nodes[i], "pass the value another way (an env value the command reads, or base64-encoded)",
				"command has a line break or control character, from the environment: %s", header)
		}
	}
	return out, words, nil
}

// hasControl reports a control character other than tab, which an HTTP
// header value cannot carry.
func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) >= 0
}

func (l *loader) envStep(s *Step, head entry, fields map[string]entry) *Error {
	var e *Error
	if en, ok := fields["replace"]; ok {
		if s.Replace, e = l.boolean(en); e != nil {
			return e
		}
	}
	if en, ok := fields["promote"]; ok {
		if s.Promote, e = l.boolean(en); e != nil {
			return e
		}
	}
	en, ok := fields["values"]
	if !ok {
		return l.missing(head, KindEnv, "values")
	}
	val, e := l.unwrap(en.val)
	if e != nil {
		return e
	}
	vars, e := l.stringMap(val, envValues)
	if e != nil {
		return e
	}
	s.Env = vars
	return nil
}

// stringMap describes a mapping of names to single-string values (env
// values, build args): its field, the fixes to offer, and the characters a
// value may not hold, written or expanded from the environment.
type stringMap struct {
	field, example    string // "values", a mapping to show in the fix
	in                string // where, in messages about its keys
	nameFix, nameWhat string // how to name an entry, and what it is
	label             string // before a key in messages ("build arg ")
	bad, badFix       string // characters a value may not hold, and the fix
	badWhat, badEnv   string // "the value of %s has ..." written, and expanded
	badEnvFix         string // the fix for an expanded value (default badFix)
}

var envValues = stringMap{
	field: "values", in: "in env values", example: "values: {NODE_ENV: production, DATABASE_URL: ${DATABASE_URL}}",
	nameFix: "use letters, digits and _, not starting with a digit", nameWhat: "an environment variable name",
	bad: "\r\n", badFix: "write a single-line value (a block scalar | keeps a final line break; use |- or a quoted string)",
	badWhat:   "the value of %s has a line break: Convox environment values are single lines",
	badEnv:    "the value of %s has a line break, from the environment: Convox environment values are single lines",
	badEnvFix: "store the value on a single line (e.g. base64-encode it)",
}

var buildArgs = stringMap{
	field: "build_args", in: "in build_args", example: "build_args: {NODE_ENV: production, NPM_TOKEN: ${NPM_TOKEN}}",
	nameFix: "use letters, digits and _, not starting with a digit, as a Dockerfile ARG", nameWhat: "a build arg name",
	label: "build arg ",
	bad:   ",", badFix: "the Rack splits build args on commas, so a value cannot hold one: pass a list another way (e.g. separated by spaces or semicolons)",
	badWhat: "the value of %s has a comma",
	badEnv:  "the value of %s has a comma, from the environment",
}

// stringMap reads val as m describes: a non-empty mapping of valid names to
// strings, each ${VAR} expanded as a secret.
func (l *loader) stringMap(val ast.Node, m stringMap) ([]EnvVar, *Error) {
	fix := "write " + m.field + " as a mapping, e.g. " + m.example
	pairs, ok := mappingValues(val)
	if !ok || len(pairs) == 0 {
		if isNull(val) || ok {
			return nil, l.errf(val, fix, "%s is empty", m.field)
		}
		return nil, l.errf(val, fix, "%s must be a mapping of names to values, not %s", m.field, describe(val))
	}
	entries, e := l.entries(pairs, m.in)
	if e != nil {
		return nil, e
	}
	var out []EnvVar
	for _, v := range entries {
		if !validName(v.key) {
			return nil, l.errf(v.keyNode, m.nameFix, "%q is not %s", short(v.key), m.nameWhat)
		}
		vn, e := l.unwrap(v.val)
		if e != nil {
			return nil, e
		}
		raw, ok := scalarText(vn)
		if !ok {
			if isNull(vn) {
				return nil, l.errf(vn, fmt.Sprintf("write %s: \"\" for an empty value, or give it a value", v.key), "%s%s has no value", m.label, v.key)
			}
			return nil, l.errf(vn, fmt.Sprintf("write %s: VALUE, a single string", v.key), "the value of %s%s must be a string, not %s", m.label, v.key, describe(vn))
		}
		if strings.ContainsAny(raw, m.bad) {
			return nil, l.errf(vn, m.badFix, m.badWhat, m.label+v.key)
		}
		value, e := l.expandSecret(vn, raw, true)
		if e != nil {
			return nil, e
		}
		if strings.ContainsAny(value, m.bad) && l.cur != nil && l.cur.unresolved == nil {
			fix := m.badEnvFix
			if fix == "" {
				fix = m.badFix
			}
			l.cur.unresolved = l.errf(vn, fix, m.badEnv, m.label+v.key)
		}
		out = append(out, EnvVar{Key: v.key, Value: value})
	}
	return out, nil
}

// buildStep reads a build's or deploy's options, as the build command's
// flags: manifest, build_args, no_cache, description.
func (l *loader) buildStep(s *Step, fields map[string]entry) *Error {
	var e *Error
	if en, ok := fields["manifest"]; ok {
		if s.Manifest, e = l.str(en, "manifest", true); e != nil {
			return e
		}
	}
	if en, ok := fields["description"]; ok {
		if s.Description, e = l.str(en, "description", true); e != nil {
			return e
		}
	}
	if en, ok := fields["no_cache"]; ok {
		if s.NoCache, e = l.boolean(en); e != nil {
			return e
		}
	}
	en, ok := fields["build_args"]
	if !ok {
		return nil
	}
	val, e := l.unwrap(en.val)
	if e != nil {
		return e
	}
	if s.BuildArgs, e = l.stringMap(val, buildArgs); e != nil {
		return e
	}
	return nil
}

func (l *loader) importStep(s *Step, head entry, fields map[string]entry, t *Target) *Error {
	en, ok := fields["from"]
	if !ok {
		return l.missing(head, KindImport, "from")
	}
	var e *Error
	if s.From, e = l.str(en, "from", true); e != nil {
		return e
	}
	if e = l.name(en, s.From, "rack"); e != nil {
		return e
	}
	if s.FromConn, e = l.connection(fields); e != nil {
		return e
	}
	s.FromApp = t.App
	if en, ok := fields["app"]; ok {
		if s.FromApp, e = l.str(en, "app", true); e != nil {
			return e
		}
		if e = l.name(en, s.FromApp, "app"); e != nil {
			return e
		}
	}
	return nil
}

func (l *loader) exportStep(s *Step, head entry, fields map[string]entry) *Error {
	en, ok := fields["file"]
	if !ok {
		return l.missing(head, KindExport, "file")
	}
	var e *Error
	if s.File, e = l.str(en, "file", false); e != nil {
		return e
	}
	if s.File == "" {
		return l.errf(en.val, "write file: build.tgz", "file is empty")
	}
	return nil
}

// order checks that each promote has a release to promote and each export
// a build to export.
func (l *loader) order(steps []Step) *Error {
	var (
		pending *Step // the last step that made a release not yet promoted
		done    *Step // the last step that promoted
		build   bool  // a build exists (build, deploy or import ran)
	)
	for i := range steps {
		s := &steps[i]
		switch s.Kind {
		case KindBuild, KindImport:
			pending, build = s, true
		case KindDeploy:
			pending, done, build = nil, s, true
		case KindEnv:
			if s.Promote {
				pending, done = nil, s
			} else {
				pending = s
			}
		case KindRollback:
			pending, done = nil, s
		case KindPromote:
			if pending == nil {
				fix := "put a build, env or import step before promote, or use deploy (build, then promote)"
				if done != nil {
					return l.at(s.Pos, "remove this promote: the release is already promoted",
						"promote has nothing to promote: the %s step at line %d already promoted the last release", done.Kind, done.Pos.Line)
				}
				return l.at(s.Pos, fix, "promote has nothing to promote: no build, env or import step comes before it")
			}
			pending, done = nil, s
		case KindExport:
			if !build {
				return l.at(s.Pos, "put a build, deploy or import step before export",
					"export has no build to export: no build, deploy or import step comes before it")
			}
		}
	}
	return nil
}

// at makes an *Error at p.
func (l *loader) at(p Pos, fix, format string, args ...any) *Error {
	return &Error{File: l.file, Line: p.Line, Column: p.Column, Msg: fmt.Sprintf(format, args...), Fix: fix}
}
