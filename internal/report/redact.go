package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/rs/zerolog"
)

// MinSecretLen is the shortest value the redactor replaces: shorter values
// ("1", "on") would mangle ordinary text and reveal little. It applies to
// each line of a multi-line secret too.
const MinSecretLen = 4

// Redacted replaces a secret in free text.
const Redacted = "[REDACTED]"

// Secrets is the set of values that must never reach output, known by
// where they come from: the password, a key inside RACK_URL or CONVOX_HOST,
// the Console session, every env value set through convox-ci, every ${VAR}
// expansion in the matched target's env and run commands.
//
// Secrets only ever rewrites free text: lines of remote output, messages
// from the Rack or any server, error text (String, Truncate, LineWriter and
// the log's free-text fields). Structured output (the result file, CI
// outputs, computed log fields) is written from values and never passes
// through it. It is safe for concurrent use.
type Secrets struct {
	mu     sync.RWMutex
	values map[string]struct{} // registered values, as given
	forms  map[string]struct{}
	list   [][]byte // every form, longest first, so a secret containing another is replaced whole
	maxLen int      // the longest form
	added  []func(string)
}

// NewSecrets returns an empty set.
func NewSecrets() *Secrets {
	return &Secrets{values: map[string]struct{}{}, forms: map[string]struct{}{}}
}

// OnAdd registers fn to be told of each new secret, one line at a time
// (GitHub's ::add-mask:: masks one line per command). Lines shorter than
// MinSecretLen are not announced.
func (s *Secrets) OnAdd(fn func(line string)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.added = append(s.added, fn)
}

// Add records secret values with every form they may take in text.
func (s *Secrets) Add(values ...string) {
	for _, v := range values {
		s.add(v, nil)
	}
}

// AddBasicAuth records a password and the Basic auth header value made of
// it with user (base64 of "user:password"), for a user other than convox.
func (s *Secrets) AddBasicAuth(user, password string) {
	if len(password) < MinSecretLen {
		return
	}
	s.add(password, []string{base64.StdEncoding.EncodeToString([]byte(user + ":" + password))})
}

func (s *Secrets) add(v string, extra []string) {
	if s == nil {
		return
	}
	pieces := secretPieces(v)
	if len(pieces) == 0 {
		return
	}
	s.mu.Lock()
	_, known := s.values[v]
	s.values[v] = struct{}{}
	changed := false
	for _, p := range pieces {
		for _, form := range append(encodings(p), extra...) {
			if len(form) < MinSecretLen {
				continue
			}
			if _, ok := s.forms[form]; ok {
				continue
			}
			s.forms[form] = struct{}{}
			s.list = append(s.list, []byte(form))
			s.maxLen = max(s.maxLen, len(form))
			changed = true
		}
	}
	if changed {
		sort.SliceStable(s.list, func(i, j int) bool { return len(s.list[i]) > len(s.list[j]) })
	}
	hooks := append([]func(string){}, s.added...)
	s.mu.Unlock()
	if known {
		return
	}
	for _, p := range pieces {
		if strings.ContainsAny(p, "\r\n") {
			continue // the whole of a multi-line value: announced line by line
		}
		for _, fn := range hooks {
			fn(p)
		}
	}
}

// secretPieces is a value and, when it spans lines, each of its lines:
// output is split into lines, so a multi-line secret shows one line at a
// time. Pieces shorter than MinSecretLen are left out.
func secretPieces(v string) []string {
	var pieces []string
	if len(v) >= MinSecretLen {
		pieces = append(pieces, v)
	}
	if strings.ContainsAny(v, "\r\n") {
		for _, line := range strings.Split(strings.ReplaceAll(v, "\r\n", "\n"), "\n") {
			for _, l := range []string{line, strings.TrimSpace(line)} {
				if len(l) >= MinSecretLen && !contains(pieces, l) {
					pieces = append(pieces, l)
				}
			}
		}
	}
	return pieces
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// encodings are the forms a value takes in text: raw, JSON-escaped (Go's
// encoder with and without HTML escapes, zerolog's), Go-quoted (%q, %+q),
// URL-encoded (query, path segment, path, userinfo) and base64 (of the
// value, and of convox:value as Basic auth sends it).
func encodings(v string) []string {
	forms := []string{v}
	inner := func(q string) string {
		if len(q) >= 2 {
			return q[1 : len(q)-1]
		}
		return q
	}
	if j, err := json.Marshal(v); err == nil {
		forms = append(forms, inner(string(j)))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if enc.Encode(v) == nil {
		forms = append(forms, inner(strings.TrimSuffix(buf.String(), "\n")))
	}
	forms = append(forms, zerologEscaped(v), inner(strconv.Quote(v)), inner(strconv.QuoteToASCII(v)))
	// JSON as other servers write it: every non-ASCII character as \uXXXX
	// (Python's json.dumps), in upper-case hex too, and with / as \/ (PHP).
	for _, upper := range []bool{false, true} {
		a := asciiJSON(v, upper)
		forms = append(forms, a, strings.ReplaceAll(a, "/", `\/`))
	}
	for _, u := range []string{url.QueryEscape(v), url.PathEscape(v), (&url.URL{Path: v}).EscapedPath(),
		strings.TrimPrefix(url.UserPassword("convox", v).String(), "convox:"),
		percentEncoded(v, ""), percentEncoded(v, "/")} { // every byte but A-Z a-z 0-9 - _ . ~ (and /: urllib's quote)
		forms = append(forms, u, lowerHex(u)) // %3C and %3c (.NET's UrlEncode) are the same escape
	}
	// Python's repr (a dict printed in an error): \ and ' escaped, or ' left
	// as it is inside "..."; the rest as Python writes it.
	forms = append(forms, pythonRepr(v, true), pythonRepr(v, false))
	// Shell single-quoted, a ' written as '\'' (bash -x traces, our own
	// command lines) or '"'"' (Python's shlex.quote).
	forms = append(forms, strings.ReplaceAll(v, "'", `'\''`), strings.ReplaceAll(v, "'", `'"'"'`))
	// HTML-escaped: Go's html.EscapeString, Python's html.escape, PHP's
	// htmlspecialchars.
	forms = append(forms, html.EscapeString(v),
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#x27;").Replace(v),
		strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;", "'", "&#039;").Replace(v))
	for _, b := range []string{v, "convox:" + v} {
		forms = append(forms,
			base64.StdEncoding.EncodeToString([]byte(b)),
			base64.RawStdEncoding.EncodeToString([]byte(b)),
			base64.URLEncoding.EncodeToString([]byte(b)),
			base64.RawURLEncoding.EncodeToString([]byte(b)))
	}
	return forms
}

// asciiJSON is v inside a JSON string written in ASCII only: " and \
// escaped, \b \f \n \r \t as such, every other control character and
// every non-ASCII character as \uXXXX (a surrogate pair above U+FFFF).
func asciiJSON(v string, upper bool) string {
	hex := "\\u%04x"
	if upper {
		hex = "\\u%04X"
	}
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\b':
			b.WriteString(`\b`)
		case r == '\f':
			b.WriteString(`\f`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case r < 0x20 || (r > 0x7e && r < 0x10000):
			fmt.Fprintf(&b, hex, r)
		case r >= 0x10000:
			r1, r2 := utf16.EncodeRune(r)
			fmt.Fprintf(&b, hex+hex, r1, r2)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// percentEncoded is v with every byte escaped as %XX but the unreserved
// characters of RFC 3986 and those in keep.
func percentEncoded(v, keep string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~"+keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

// pythonRepr is v inside Python's repr quotes: \\, \t \n \r, \xNN for
// the other control characters, \uXXXX (\UXXXXXXXX) for a character that
// is not printable, and ' escaped when quote is set.
func pythonRepr(v string, quote bool) string {
	var b strings.Builder
	for _, r := range v {
		switch {
		case r == '\\' || (quote && r == '\''):
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x100 && !strconv.IsPrint(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case r < 0x10000 && !strconv.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		case !strconv.IsPrint(r):
			fmt.Fprintf(&b, `\U%08x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// lowerHex is a URL-encoded text with its %XX escapes in lower case.
func lowerHex(s string) string {
	b := []byte(s)
	for i := 0; i+2 < len(b); i++ {
		if b[i] == '%' {
			b[i+1], b[i+2] = lowerASCII(b[i+1]), lowerASCII(b[i+2])
		}
	}
	return string(b)
}

func lowerASCII(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// zerologEscaped is v as zerolog writes it inside a JSON string.
func zerologEscaped(v string) string {
	var buf bytes.Buffer
	l := zerolog.New(&buf)
	l.Log().Str("v", v).Send()
	s := strings.TrimSuffix(buf.String(), "\n")
	s = strings.TrimPrefix(s, `{"v":"`)
	return strings.TrimSuffix(s, `"}`)
}

// Redact returns b with every known secret replaced: every byte that
// belongs to an occurrence of any form is hidden, so two secrets that
// overlap in the text are hidden whole, each run of them by one Redacted.
func (s *Secrets) Redact(b []byte) []byte {
	if s == nil {
		return b
	}
	s.mu.RLock()
	var spans [][2]int
	for _, f := range s.list {
		for off := 0; off < len(b); {
			i := bytes.Index(b[off:], f)
			if i < 0 {
				break
			}
			spans = append(spans, [2]int{off + i, off + i + len(f)})
			off += i + 1
		}
	}
	s.mu.RUnlock()
	if len(spans) == 0 {
		return b
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i][0] < spans[j][0] })
	out := make([]byte, 0, len(b))
	last := 0 // end of what was written or hidden
	for i := 0; i < len(spans); {
		start, end := spans[i][0], spans[i][1]
		for i++; i < len(spans) && spans[i][0] < end; i++ {
			end = max(end, spans[i][1])
		}
		out = append(out, b[last:start]...)
		out = append(out, Redacted...)
		last = end
	}
	return append(out, b[last:]...)
}

// holds reports whether b holds any form of any secret.
func (s *Secrets) holds(b []byte) bool {
	if s == nil {
		return false
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for _, v := range s.list {
		if bytes.Contains(b, v) {
			return true
		}
	}
	return false
}

// String redacts a piece of free text.
func (s *Secrets) String(v string) string {
	if s == nil {
		return v
	}
	return string(s.Redact([]byte(v)))
}

// Truncate redacts text, then cuts it to at most n bytes (on a character
// boundary) with "..." after: a secret is never cut in two before it could
// be recognised.
func (s *Secrets) Truncate(text string, n int) string {
	text = s.String(text)
	if len(text) <= n {
		return text
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return text[:cut] + "..."
}

// safeCut is where to cut b at or before n so that no occurrence of a
// secret's form is split: it moves back to the start of any form that
// spans the cut. Every form that starts before n must end inside b (the
// caller keeps at least the longest form's length after n).
func (s *Secrets) safeCut(b []byte, n int) int {
	for n > 0 && n < len(b) && !utf8.RuneStart(b[n]) {
		n--
	}
	if s == nil {
		return n
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	for moved := true; moved && n > 0; {
		moved = false
		for _, f := range s.list {
			lo := max(0, n-len(f)+1)
			hi := min(len(b), n+len(f)-1)
			if lo >= hi {
				continue
			}
			if i := bytes.Index(b[lo:hi], f); i >= 0 && lo+i < n {
				n, moved = lo+i, true
			}
		}
	}
	return n
}

// longest is the length of the longest form.
func (s *Secrets) longest() int {
	if s == nil {
		return 0
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.maxLen
}
