package config

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

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
