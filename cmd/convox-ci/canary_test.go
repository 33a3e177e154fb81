package main

import (
	"bytes"
	"fmt"
	"os"
	"sync"
)

// canarySecrets are the values every test uses for passwords and env
// values; none may appear in anything the suite's runs produced, except
// GitHub's own ::add-mask:: command that hides them.
var canarySecrets = []string{testPassword, databaseURL, "wrong-password-123", envSecretA, envSecretB}

const (
	envSecretA = "env-secret-value-a1"
	envSecretB = "env-secret-value-b2"
)

// canary collects every output of every run: stdout, stderr, and the files
// a run wrote (result file, GITHUB_OUTPUT, summary, BASH_ENV).
var canary outputs

type outputs struct {
	mu    sync.Mutex
	texts []named
	files []string
}

type named struct {
	name string
	data []byte
}

func (o *outputs) add(name string, data []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.texts = append(o.texts, named{name, append([]byte(nil), data...)})
}

// file registers a file to read when the suite ends... or now, since test
// temp dirs are removed at each test's end.
func (o *outputs) file(path string) {
	if b, err := os.ReadFile(path); err == nil {
		o.add(path, b)
	}
}

func (o *outputs) count() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.texts)
}

func (o *outputs) size() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, t := range o.texts {
		n += len(t.data)
	}
	return n
}

func (o *outputs) leaks() []string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var found []string
	for _, t := range o.texts {
		for _, line := range bytes.Split(t.data, []byte("\n")) {
			if bytes.HasPrefix(line, []byte("::add-mask::")) {
				continue
			}
			for i, s := range canarySecrets {
				if bytes.Contains(line, []byte(s)) {
					found = append(found, fmt.Sprintf("  %s carries canary secret #%d", t.name, i))
				}
			}
		}
	}
	return found
}
