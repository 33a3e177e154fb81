// Package report sets up logging (console or JSON, redacted) and writes what a
// run produced where each CI reads it: GitHub outputs and job summary,
// CircleCI's BASH_ENV, and a result file for any CI.
package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
)

func init() {
	// JSON logs: times to the millisecond; durations as whole milliseconds,
	// in fields whose names end in _ms ("duration_ms":1250). Console lines
	// show durations for people (duration=1.2s).
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	zerolog.DurationFieldUnit = time.Millisecond
	zerolog.DurationFieldInteger = true
}

// LogOptions chooses how events are written.
type LogOptions struct {
	Format string // auto, console or json
	Level  string // trace, debug, info, warn, error
	Color  bool   // colour console lines (a terminal, NO_COLOR unset)
}

// NewLogger returns a logger writing to w. Each event's free-text fields
// (FreeTextFields: the message, the error, ...) are redacted with secrets
// before the line is encoded, whatever the format: every JSON line stays
// valid JSON, and the other fields (level, time, ids, keys) are written as
// they are.
func NewLogger(w io.Writer, opts LogOptions, secrets *Secrets) (zerolog.Logger, error) {
	level := zerolog.InfoLevel
	if opts.Level != "" {
		l, err := zerolog.ParseLevel(strings.ToLower(opts.Level))
		if err != nil || l == zerolog.NoLevel {
			return zerolog.Nop(), fmt.Errorf("unknown log level %q: use trace, debug, info, warn or error", opts.Level)
		}
		level = l
	}
	out := w
	switch opts.Format {
	case "", "auto", "console":
		out = zerolog.ConsoleWriter{
			Out:           w,
			NoColor:       !opts.Color,
			TimeFormat:    time.TimeOnly,
			FormatPrepare: consoleFields,
		}
	case "json":
	default:
		return zerolog.Nop(), fmt.Errorf("unknown log format %q: use auto, console or json", opts.Format)
	}
	return zerolog.New(&fieldRedactor{s: secrets, w: out}).Level(level).With().Timestamp().Logger(), nil
}

// consoleFields readies an event for a console line: durations for people
// (duration_ms 11 -> duration=11ms) and a remote stream's line (build
// output) without the fields every one of its lines repeats. JSON keeps
// them all.
func consoleFields(evt map[string]any) error {
	// The message is written as it is; other string fields are quoted
	// (control characters escaped) by the console writer already.
	if text, ok := evt[zerolog.MessageFieldName].(string); ok {
		evt[zerolog.MessageFieldName] = inert(text)
	}
	if _, ok := evt["stream"]; ok {
		for _, k := range []string{"stream", "app", "rack", "build", "process", "service"} {
			delete(evt, k)
		}
	}
	for k, v := range evt {
		name, ok := strings.CutSuffix(k, "_ms")
		if !ok {
			continue
		}
		var ms float64
		switch n := v.(type) {
		case json.Number:
			f, err := n.Float64()
			if err != nil {
				continue
			}
			ms = f
		case float64:
			ms = n
		default:
			continue
		}
		delete(evt, k)
		evt[name] = Elapsed(time.Duration(ms * float64(time.Millisecond)))
	}
	return nil
}

// inert makes free text harmless on a console: a server's text cannot clear
// the screen, move the cursor or start a line of its own. Control
// characters (C0 but tab, DEL, C1) and escape sequences are written
// escaped (\x1b, \r, \u009b), except colour (SGR: ESC [ digits m), which
// build output carries. A line break continues the line, marked "  | ", so
// a line never starts with text from elsewhere.
func inert(s string) string {
	clean := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 && c != '\t' || c == 0x7f || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == '\r' && strings.HasPrefix(s[i:], "\r\n"):
			size = 1 // the \n that follows is the line break
		case r == '\n':
			b.WriteString("\n  | ")
		case r == 0x1b && sgr(s[i:]) > 0:
			size = sgr(s[i:])
			b.WriteString(s[i : i+size])
		case r < 0x20 && r != '\t' || r >= 0x7f && r < 0xa0:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// sgr is the length of the colour sequence (ESC [ digits and ; m) s starts
// with, 0 if it starts with none.
func sgr(s string) int {
	if !strings.HasPrefix(s, "\x1b[") {
		return 0
	}
	for i := 2; i < len(s); i++ {
		switch c := s[i]; {
		case c == 'm':
			return i + 1
		case c != ';' && (c < '0' || c > '9'):
			return 0
		}
	}
	return 0
}

// FreeTextFields are the log fields that carry free text, which may hold a
// secret: the message (remote output lines are logged as messages), the
// error, a reason given by the Rack. Only these are redacted; every other
// field is a value we computed (ids, app, rack, keys) and is written
// as it is. A new field that carries text from a server, a remote process
// or an error belongs here.
var FreeTextFields = map[string]bool{
	zerolog.MessageFieldName: true,
	zerolog.ErrorFieldName:   true,
	"reason":                 true,
	"status":                 true, // a state the Rack sent (an HTTP status is a number, never redacted)
}

// fieldRedactor rewrites each zerolog event (one JSON object per Write) with
// its free-text string fields redacted, keeping every key, every other value
// and the order as they were.
type fieldRedactor struct {
	s  *Secrets
	mu sync.Mutex
	w  io.Writer
}

func (f *fieldRedactor) Write(p []byte) (int, error) {
	// Most lines hold no secret: zerolog escapes a string character by
	// character, so a value holding a secret holds the secret's
	// zerolog-escaped form, one of the forms looked for. Only a line that
	// holds some form is decoded.
	line := p
	if f.s.holds(p) {
		var err error
		if line, err = redactEvent(p, f.s); err != nil {
			// Not one JSON object (nothing zerolog writes): treat it all as text.
			line = f.s.Redact(append([]byte(nil), p...))
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.w.Write(line); err != nil {
		return 0, err
	}
	return len(p), nil
}

// redactEvent redacts the free-text string values of one JSON object.
func redactEvent(p []byte, s *Secrets) ([]byte, error) {
	d := json.NewDecoder(bytes.NewReader(p))
	d.UseNumber()
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("not a JSON object")
	}
	var out bytes.Buffer
	out.WriteByte('{')
	for first := true; d.More(); first = false {
		t, err := d.Token()
		if err != nil {
			return nil, err
		}
		key, ok := t.(string)
		if !ok {
			return nil, fmt.Errorf("not a JSON object")
		}
		var raw json.RawMessage
		if err := d.Decode(&raw); err != nil {
			return nil, err
		}
		if !first {
			out.WriteByte(',')
		}
		writeJSONString(&out, key)
		out.WriteByte(':')
		var text string
		if FreeTextFields[key] && len(raw) > 0 && raw[0] == '"' && json.Unmarshal(raw, &text) == nil {
			writeJSONString(&out, s.String(text))
			continue
		}
		out.Write(raw)
	}
	if t, err := d.Token(); err != nil || t != json.Delim('}') {
		return nil, fmt.Errorf("not a JSON object")
	}
	if d.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	out.WriteString("}\n")
	return out.Bytes(), nil
}

// writeJSONString writes s as a JSON string, without HTML escapes (as
// zerolog writes it).
func writeJSONString(b *bytes.Buffer, s string) {
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s)
	b.Truncate(b.Len() - 1) // Encode's newline
}

// maxLine is where a line with no end is emitted in pieces rather than
// buffered forever.
const maxLine = 64 << 10

// LineWriter returns a writer that calls emit once for each complete line
// written to it (without the newline), redacted with secrets (nil: none).
// Flush emits a final partial line. A line longer than 64 KiB is emitted in
// pieces, each cut where no secret is split and redacted before it is
// emitted.
func LineWriter(secrets *Secrets, emit func(line string)) *Lines {
	return &Lines{secrets: secrets, emit: emit}
}

// Lines splits a byte stream into redacted lines.
type Lines struct {
	secrets *Secrets
	emit    func(string)
	buf     []byte
}

func (l *Lines) Write(p []byte) (int, error) {
	l.buf = append(l.buf, p...)
	for {
		i := bytes.IndexByte(l.buf, '\n')
		if i < 0 {
			break
		}
		l.line(l.buf[:i])
		l.buf = l.buf[i+1:]
	}
	// A line with no end: emitted in pieces of 64 KiB, each cut where no
	// secret is split (a secret still arriving is kept back whole: the
	// buffer keeps the longest form's length past the cut).
	for keep := l.secrets.longest(); len(l.buf) > maxLine+keep; {
		cut := l.secrets.safeCut(l.buf, maxLine)
		if cut == 0 { // secrets overlapping end to end: nowhere better to cut
			cut = maxLine
		}
		l.emit(l.secrets.String(string(l.buf[:cut])))
		l.buf = append([]byte(nil), l.buf[cut:]...)
	}
	return len(p), nil
}

func (l *Lines) line(b []byte) {
	l.emit(l.secrets.String(strings.TrimRight(string(b), "\r")))
}

// Flush emits what remains after the last newline.
func (l *Lines) Flush() {
	if len(l.buf) > 0 {
		l.line(l.buf)
		l.buf = l.buf[:0]
	}
}

// IsTerminal reports whether f is a terminal. A character device is not
// enough: /dev/null is one too, and it is where CI scripts send output.
func IsTerminal(f *os.File) bool {
	return isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd())
}
