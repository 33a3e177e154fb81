package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/convox-ci/convox-ci/internal/cienv"
)

// FuzzParse checks that Parse never panics, that every error it returns is
// an *Error with a position and a fix, that no error shows a variable's
// value, and that Match never panics on what Parse accepts.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.yml")
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	for _, s := range []string{"", "app: a\ntargets:\n  s: {branches: [m], rack: r, steps: [deploy]}\n",
		"targets:\n\tx: 1\n", "a: &x [1]\nb: *x\n", "- [\n", "app: ${A\n", "targets: {s: {tags: \"[\", rack: r, steps: [promote]}}",
		"{? a: b}", "!!map {}", "app: !custom x", "---\n---\n", "app: |\n  x\n"} {
		f.Add([]byte(s))
	}
	const value = "fuzz-secret-VALUE"
	lookup := func(k string) (string, bool) {
		if strings.HasPrefix(k, "E") {
			return "", true
		}
		return value, k != "" && k[0] < 'N'
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("convox-ci.yml", data, lookup)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not an *Error: %v", err, err)
			}
			if e.Line < 1 || e.Column < 1 || e.Msg == "" || e.Fix == "" || e.File != "convox-ci.yml" {
				t.Fatalf("incomplete error: %#v", e)
			}
			if strings.Contains(err.Error(), value) && !strings.Contains(string(data), value) {
				t.Fatalf("error shows a variable's value: %v", err)
			}
			return
		}
		for _, c := range []cienv.Context{{Branch: "master"}, {Tag: "v1"}, {PullRequest: "1", BaseBranch: "main"}} {
			if _, err := file.Match(c); err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("match error %T is not an *Error: %v", err, err)
				}
			}
		}
	})
}
