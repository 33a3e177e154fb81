package config

import (
	"bytes"
	"fmt"
)

// Limits checked before the YAML parser sees the file, so that a hostile
// or broken file is refused at once: the parser's time and memory grow
// much faster than the input on deep nesting (80 KB nested took 27 s and
// 2.5 GB). A real rules file is a few KB and nests five or six levels.
const (
	// MaxFileSize bounds the rules file.
	MaxFileSize = 256 << 10
	// MaxDepth bounds the nesting: block levels (indentation, "- " and
	// "? " entries) plus open flow collections ([ and {).
	MaxDepth = 64
)

// checkLimits refuses a file too big or nested too deep to parse, in one
// pass over its bytes.
func (l *loader) checkLimits(data []byte) *Error {
	if len(data) > MaxFileSize {
		return &Error{File: l.file, Line: 1, Column: 1,
			Msg: fmt.Sprintf("the rules file is %d bytes, more than the %d a rules file may have", len(data), MaxFileSize),
			Fix: "keep the rules file to its targets and steps (a few KB); is this the right file?"}
	}
	if line, depth := nesting(data, MaxDepth); depth > MaxDepth {
		return &Error{File: l.file, Line: line, Column: 1,
			Msg: fmt.Sprintf("the rules file nests more than %d levels deep", MaxDepth),
			Fix: "a rules file needs about six levels (targets, a target, steps, a step, its keys): flatten it, or check the brackets match"}
	}
	return nil
}

// nesting estimates the YAML nesting of data and returns the first line
// where it exceeds limit (and the depth there), or the maximum depth. It
// counts open flow collections outside quotes and comments, and block
// levels as a stack of indentation columns, each "- " or "? " entry
// opening one more; the content of block scalars (| and >) is skipped. It
// is an estimate (quotes are followed within a line only), enough to tell a
// rules file from a bomb.
func nesting(data []byte, limit int) (line, depth int) {
	var (
		stack       []int // indentation columns of the open block levels
		flow        int   // open [ and {
		blockIndent = -1  // > -1: inside a block scalar opened at this indentation
		maxDepth    int
	)
	for n, raw := range bytes.Split(data, []byte("\n")) {
		text := bytes.TrimRight(raw, "\r")
		indent := 0
		for indent < len(text) && text[indent] == ' ' {
			indent++
		}
		rest := text[indent:]
		if blockIndent >= 0 {
			if len(bytes.TrimSpace(rest)) == 0 || indent > blockIndent {
				continue
			}
			blockIndent = -1
		}
		if len(rest) == 0 || rest[0] == '#' {
			continue
		}
		if flow == 0 {
			for len(stack) > 0 && stack[len(stack)-1] >= indent {
				stack = stack[:len(stack)-1]
			}
			stack = append(stack, indent)
			col := indent
			for len(rest) >= 2 && (rest[0] == '-' || rest[0] == '?') && (rest[1] == ' ' || rest[1] == '\t') {
				col += 2
				rest = rest[2:]
				for len(rest) > 0 && rest[0] == ' ' {
					col++
					rest = rest[1:]
				}
				stack = append(stack, col)
			}
		}
		var quote byte
		for i := 0; i < len(rest); i++ {
			c := rest[i]
			switch {
			case quote != 0:
				if c == quote {
					quote = 0
				}
			case c == '\'' || c == '"':
				quote = c
			case c == '#' && (i == 0 || rest[i-1] == ' ' || rest[i-1] == '\t'):
				i = len(rest)
			case c == '[' || c == '{':
				flow++
			case (c == ']' || c == '}') && flow > 0:
				flow--
			}
			if d := len(stack) + flow; d > maxDepth {
				maxDepth = d
				if d > limit {
					return n + 1, d
				}
			}
		}
		if d := len(stack) + flow; d > maxDepth {
			maxDepth = d
			if d > limit {
				return n + 1, d
			}
		}
		if flow == 0 && quote == 0 {
			t := bytes.TrimSpace(rest)
			if i := bytes.Index(t, []byte(" #")); i >= 0 {
				t = bytes.TrimSpace(t[:i])
			}
			if len(t) > 0 && (t[0] == '|' || t[0] == '>' || bytes.HasSuffix(t, []byte(" |")) || bytes.HasSuffix(t, []byte(" >")) ||
				blockScalarHeader(t)) {
				blockIndent = indent
			}
		}
	}
	return 0, maxDepth
}

// blockScalarHeader reports a line ending in a block scalar header with
// indicators, e.g. "run: |-" or "key: >2".
func blockScalarHeader(t []byte) bool {
	i := bytes.LastIndexByte(t, ' ')
	h := t[i+1:]
	if len(h) == 0 || (h[0] != '|' && h[0] != '>') {
		return false
	}
	for _, c := range h[1:] {
		if c != '-' && c != '+' && (c < '1' || c > '9') {
			return false
		}
	}
	return true
}
