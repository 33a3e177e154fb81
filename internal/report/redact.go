package report

import (
	"bytes"
	"encoding/json"
	"io"
	"net/url"
	"sort"
	"sync"
)

// MinSecretLen is the shortest value the redactor replaces: shorter values
// ("1", "on") would mangle ordinary output and reveal little.
const MinSecretLen = 4

// Redacted replaces a secret in output.
const Redacted = "[REDACTED]"

// Secrets is the set of values that must never reach output: the password,
// every env value set through convox-ci. It is safe for concurrent use.
type Secrets struct {
	mu     sync.RWMutex
	values map[string]struct{}
	list   [][]byte // longest first, so a secret containing another is replaced whole
	added  []func(string)
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets { return &Secrets{values: map[string]struct{}{}} }

// OnAdd registers fn to be told of each new secret (GitHub's ::add-mask::).
func (s *Secrets) OnAdd(fn func(string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added = append(s.added, fn)
}

// Add records secret values, with the encodings they may take in output
// (JSON-escaped, URL-escaped).
func (s *Secrets) Add(values ...string) {
	if s == nil {
		return
	}
	var news []string
	s.mu.Lock()
	for _, v := range values {
		if len(v) < MinSecretLen {
			continue
		}
		if _, ok := s.values[v]; ok {
			continue
		}
		news = append(news, v)
		for _, form := range encodings(v) {
			if _, ok := s.values[form]; ok {
				continue
			}
			s.values[form] = struct{}{}
			s.list = append(s.list, []byte(form))
		}
	}
	sort.Slice(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
	hooks := append([]func(string){}, s.added...)
	s.mu.Unlock()
	for _, v := range news {
		for _, fn := range hooks {
			fn(v)
		}
	}
}

func encodings(v string) []string {
	forms := []string{v}
	if j, err := json.Marshal(v); err == nil {
		forms = append(forms, string(j[1:len(j)-1]))
	}
	forms = append(forms, url.QueryEscape(v), url.PathEscape(v))
	return forms
}

// Redact returns b with every known secret replaced.
func (s *Secrets) Redact(b []byte) []byte {
	if s == nil {
		return b
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.list {
		if bytes.Contains(b, v) {
			b = bytes.ReplaceAll(b, v, []byte(Redacted))
		}
	}
	return b
}

// String redacts a string.
func (s *Secrets) String(v string) string { return string(s.Redact([]byte(v))) }

// Writer wraps w so that everything written through it is redacted, one
// write at a time (log events come from several goroutines). Each
// zerolog event is one Write, so a secret is never split across calls there;
// for arbitrary streams use a line-buffered writer in front.
func (s *Secrets) Writer(w io.Writer) io.Writer { return &redactWriter{s: s, w: w} }

type redactWriter struct {
	s  *Secrets
	mu sync.Mutex
	w  io.Writer
}

func (r *redactWriter) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, err := r.w.Write(r.s.Redact(append([]byte(nil), p...))); err != nil {
		return 0, err
	}
	return len(p), nil
}
