package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// canarySecrets are the values every test uses for passwords, keys and env
// values, hostile ones included (secrets_test.go: every escape class,
// zero-width and control characters, multi-line, a key in RACK_URL, a
// password a build log echoes and a server echoes back); none may appear in
// anything the suite's runs produced, in any form (canaryForms), except
// GitHub's own ::add-mask:: command that hides them. Values equal to words of
// our keys and fields (RELEASE, info, true, production) are secrets in
// secrets_test.go too, but cannot be canaries: they are rightly in every
// output as keys and computed values; those tests check the outputs intact.
var canarySecrets = []string{testPassword, databaseURL, "wrong-password-123", envSecretA, envSecretB,
	hostilePassword, zeroWidthKey, multiLineKey, rackURLKey}

// canaryForms are the forms a secret can take in text: raw, JSON-escaped,
// Go-quoted, URL-encoded (query, path), base64 of it and of convox:it, and
// each line of a multi-line one.
func canaryForms(s string) []string {
	var forms []string
	pieces := []string{s}
	if strings.Contains(s, "\n") {
		pieces = append(pieces, strings.Split(s, "\n")...)
	}
	for _, p := range pieces {
		if strings.Contains(p, "\n") {
			forms = append(forms, p) // the whole of a multi-line secret: its lines are checked one by one
			continue
		}
		j, _ := json.Marshal(p)
		q := strconv.Quote(p)
		a := strconv.QuoteToASCII(p)
		lowerHex := regexp.MustCompile(`%[0-9A-F]{2}`).ReplaceAllStringFunc(url.QueryEscape(p), strings.ToLower)
		forms = append(forms, p, string(j[1:len(j)-1]), q[1:len(q)-1], url.QueryEscape(p), url.PathEscape(p),
			base64.StdEncoding.EncodeToString([]byte(p)), base64.StdEncoding.EncodeToString([]byte("convox:"+p)),
			// as other servers and shells write it: ASCII-only quoting, .NET's
			// lower-case %xx, HTML, bash -x's single quotes
			a[1:len(a)-1], lowerHex, html.EscapeString(p), strings.ReplaceAll(p, "'", `'\''`))
	}
	return forms
}

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

// file adds what a run wrote to a file; read now, since test temp dirs are
// removed at each test's end.
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
				for _, form := range canaryForms(s) {
					if bytes.Contains(line, []byte(form)) {
						found = append(found, fmt.Sprintf("  %s carries canary secret #%d", t.name, i))
						break
					}
				}
			}
		}
	}
	return found
}
