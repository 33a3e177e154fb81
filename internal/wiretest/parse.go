package wiretest

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

var (
	exchangeLine = regexp.MustCompile(`^#(\d+) (.*)$`)
	stampPrefix  = regexp.MustCompile(`^\[\+([0-9.]+)s\] `)
	bodySized    = regexp.MustCompile(`^body \((\d+) bytes, (\w+)\)(.*)$`)
	bodyBinary   = regexp.MustCompile(`^body: (\d+) bytes \(binary\), first bytes (".*")$`)
	frameLine    = regexp.MustCompile(`^frame (\S+) fin=(true|false) masked=(true|false) len=(\d+) \w+=(".*")$`)
	formLine     = regexp.MustCompile(`^form (\S+) = (".*")$`)
	annotation   = regexp.MustCompile(`^(.*?)   \[[^\]]*\]$`)
	ranTrailer   = regexp.MustCompile(`^(.*?)   \(RACK_URL=.*\)$`)
)

// builder collects the lines of one exchange while the file is read.
type builder struct {
	ex       Exchange
	req, res *part
}

// part is a request or a response being assembled.
type part struct {
	first   string // the "[+T] ..." line
	at      time.Duration
	header  http.Header
	form    url.Values
	path    string
	query   *string
	body    []byte
	bodyLen int
	binary  bool
	text    bool // body given as "| " lines
	newline bool // "ends with newline: true"
	lines   []string
}

func newPart() *part { return &part{header: http.Header{}} }

// Parse reads one transcript in the notation of the recordings in testdata (their README describes it); name becomes Transcript.Name.
func Parse(name string, r io.Reader) (*Transcript, error) {
	t := &Transcript{Name: name}
	byN := map[int]*builder{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	var out *strings.Builder // stdout or stderr being read from the header
	var stdout, stderr strings.Builder
	noNewline := map[*strings.Builder]bool{}
	lineNo := 0
	for sc.Scan() {
		lineNo++
		line := sc.Text()
		m := exchangeLine.FindStringSubmatch(line)
		if m == nil {
			if strings.HasPrefix(line, "#") {
				out = t.header(line, out, &stdout, &stderr, noNewline)
			}
			continue
		}
		out = nil
		n, _ := strconv.Atoi(m[1])
		b := byN[n]
		if b == nil {
			b = &builder{ex: Exchange{N: n}}
			byN[n] = b
		}
		if err := b.line(m[2]); err != nil {
			return nil, fmt.Errorf("line %d: %w", lineNo, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading transcript: %w", err)
	}
	t.Stdout = finishOutput(&stdout, noNewline[&stdout])
	t.Stderr = finishOutput(&stderr, noNewline[&stderr])
	ns := make([]int, 0, len(byN))
	for n := range byN {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	for _, n := range ns {
		ex, err := byN[n].finish()
		if err != nil {
			return nil, fmt.Errorf("exchange #%d: %w", n, err)
		}
		t.Exchanges = append(t.Exchanges, ex)
	}
	return t, nil
}

// header handles one "# ..." line before the exchanges and returns the output being collected, if any.
func (t *Transcript) header(line string, out, stdout, stderr *strings.Builder, noNewline map[*strings.Builder]bool) *strings.Builder {
	rest := strings.TrimPrefix(line, "#")
	switch {
	case strings.HasPrefix(rest, " Ran: "):
		cmd := strings.TrimPrefix(rest, " Ran: ")
		if m := ranTrailer.FindStringSubmatch(cmd); m != nil {
			cmd = m[1]
		}
		t.Command = cmd
	case strings.HasPrefix(rest, " Scenario: "):
		t.Scenario = strings.TrimPrefix(rest, " Scenario: ")
	case strings.HasPrefix(rest, " Exit status: "):
		f := strings.Fields(strings.TrimPrefix(rest, " Exit status: "))
		if len(f) > 0 {
			t.Exit, _ = strconv.Atoi(f[0])
		}
	case strings.HasPrefix(rest, " stdout:"), strings.HasPrefix(rest, " stderr:"):
		w := stdout
		if strings.HasPrefix(rest, " stderr:") {
			w = stderr
		}
		if strings.Contains(rest, "[no trailing newline]") {
			noNewline[w] = true
		}
		if strings.Contains(rest, "(empty)") {
			return nil
		}
		return w
	case out != nil && (rest == "   |" || strings.HasPrefix(rest, "   | ")):
		out.WriteString(strings.TrimPrefix(strings.TrimPrefix(rest, "   |"), " "))
		out.WriteByte('\n')
		return out
	}
	return nil
}

func finishOutput(b *strings.Builder, noNewline bool) string {
	s := b.String()
	if noNewline {
		s = strings.TrimSuffix(s, "\n")
	}
	return s
}

// line handles the text after "#N ".
func (b *builder) line(s string) error {
	switch {
	case strings.HasPrefix(s, ">>> "):
		if b.req == nil {
			b.req = newPart()
		}
		return b.req.line(s[4:])
	case strings.HasPrefix(s, "<<< "):
		if b.res == nil {
			b.res = newPart()
		}
		return b.res.line(s[4:])
	case strings.HasPrefix(s, "WS "):
		return b.ws(s[3:])
	}
	return nil // "    (upgraded to websocket; ...)" and other annotations
}

func (b *builder) ws(s string) error {
	at, s := stamp(s)
	dir, rest, _ := strings.Cut(s, " ")
	m := frameLine.FindStringSubmatch(rest)
	if (dir != "C->S" && dir != "S->C") || m == nil {
		b.ex.Notes = append(b.ex.Notes, s)
		return nil
	}
	payload, err := strconv.Unquote(m[5])
	if err != nil {
		return fmt.Errorf("websocket frame payload %s: %w", m[5], err)
	}
	n, _ := strconv.Atoi(m[4])
	b.ex.Frames = append(b.ex.Frames, Frame{
		At:         at,
		FromClient: dir == "C->S",
		Opcode:     m[1],
		Fin:        m[2] == "true",
		Masked:     m[3] == "true",
		Len:        n,
		Payload:    []byte(payload),
	})
	return nil
}

// stamp strips a leading "[+T] " and returns T.
func stamp(s string) (time.Duration, string) {
	m := stampPrefix.FindStringSubmatch(s)
	if m == nil {
		return 0, s
	}
	f, _ := strconv.ParseFloat(m[1], 64)
	return time.Duration(f * float64(time.Second)), s[len(m[0]):]
}

func (p *part) line(s string) error {
	switch {
	case strings.HasPrefix(s, "[+"):
		p.at, p.first = stamp(s)
	case strings.HasPrefix(s, "  path="):
		p.path = strings.TrimPrefix(s, "  path=")
	case strings.HasPrefix(s, "  query="):
		q := strings.TrimPrefix(s, "  query=")
		p.query = &q
	case s == "  |" || strings.HasPrefix(s, "  | "):
		p.lines = append(p.lines, strings.TrimPrefix(strings.TrimPrefix(s, "  |"), " "))
	case strings.HasPrefix(s, "  form "):
		m := formLine.FindStringSubmatch(s[2:])
		if m == nil {
			return fmt.Errorf("malformed form line %q", s)
		}
		v, err := strconv.Unquote(m[2])
		if err != nil {
			return fmt.Errorf("form value of %s: %w", m[1], err)
		}
		if p.form == nil {
			p.form = url.Values{}
		}
		p.form.Add(m[1], v)
	case s == "(no body)":
	case strings.HasPrefix(s, "body"):
		return p.bodyLine(s)
	default:
		name, value, ok := strings.Cut(s, ": ")
		if !ok {
			return fmt.Errorf("unrecognised line %q", s)
		}
		if m := annotation.FindStringSubmatch(value); m != nil {
			value = m[1]
		}
		p.header.Add(name, value)
	}
	return nil
}

func (p *part) bodyLine(s string) error {
	if m := bodyBinary.FindStringSubmatch(s); m != nil {
		p.bodyLen, _ = strconv.Atoi(m[1])
		b, err := strconv.Unquote(m[2])
		if err != nil {
			return fmt.Errorf("binary body bytes: %w", err)
		}
		p.body, p.binary = []byte(b), true
		return nil
	}
	m := bodySized.FindStringSubmatch(s)
	if m == nil {
		return fmt.Errorf("unrecognised body line %q", s)
	}
	p.bodyLen, _ = strconv.Atoi(m[1])
	switch rest := m[3]; {
	case strings.HasPrefix(rest, ": "):
		p.body = []byte(rest[2:])
	case strings.HasPrefix(rest, ", ends with newline: "):
		p.text = true
		p.newline = strings.HasPrefix(rest, ", ends with newline: true")
	default:
		return fmt.Errorf("unrecognised body line %q", s)
	}
	return nil
}

// textBody joins the "| " lines.
func (p *part) textBody() []byte {
	if !p.text {
		return p.body
	}
	s := strings.Join(p.lines, "\n")
	if p.newline {
		s += "\n"
	}
	return []byte(s)
}

func (b *builder) finish() (Exchange, error) {
	ex := b.ex
	if b.req == nil {
		return ex, fmt.Errorf("no request recorded")
	}
	req, err := b.req.request()
	if err != nil {
		return ex, err
	}
	ex.Request = req
	if b.res != nil {
		res, err := b.res.response()
		if err != nil {
			return ex, err
		}
		ex.Response = res
	}
	return ex, nil
}

func (p *part) request() (Request, error) {
	f := strings.Fields(p.first)
	if len(f) != 3 {
		return Request{}, fmt.Errorf("malformed request line %q", p.first)
	}
	r := Request{
		At: p.at, Method: f[0], Target: f[1], Proto: f[2],
		Header: p.header, Form: p.form, Body: p.textBody(), BodyLen: p.bodyLen, Binary: p.binary,
	}
	u, err := url.ParseRequestURI(r.Target)
	if err != nil {
		return r, fmt.Errorf("request target %q: %w", r.Target, err)
	}
	r.Path, r.RawQuery = u.Path, u.RawQuery
	if p.path != "" {
		r.Path = p.path
	}
	if p.query != nil {
		r.RawQuery = *p.query
	}
	if r.Form == nil && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") && !r.Binary {
		if r.Form, err = url.ParseQuery(string(r.Body)); err != nil {
			return r, fmt.Errorf("form body: %w", err)
		}
	}
	r.WebSocket = strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
	return r, nil
}

func (p *part) response() (*Response, error) {
	f := strings.SplitN(p.first, " ", 3)
	if len(f) < 2 {
		return nil, fmt.Errorf("malformed status line %q", p.first)
	}
	status, err := strconv.Atoi(f[1])
	if err != nil {
		return nil, fmt.Errorf("status line %q: %w", p.first, err)
	}
	return &Response{
		At: p.at, Status: status, Proto: f[0], Header: p.header,
		Body: p.textBody(), BodyLen: p.bodyLen, Binary: p.binary,
	}, nil
}
