package wiretest

import (
	"context"
	"encoding/binary"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/coder/websocket"
)

// Replayer serves the transcript's recorded responses: for each incoming request it takes the next unused exchange
// with the same method and path (in transcript order), records the incoming request, and writes the recorded status,
// headers (except Content-Length and Date, which the server sets) and body. Binary bodies were recorded only in part,
// so only their first bytes are served.
//
// Websocket exchanges (recorded status 101) are answered by upgrading with github.com/coder/websocket (no
// compression, no subprotocol, any Origin) and sending the recorded S->C text and binary frames in order, at once,
// while reading and recording the client's messages. Like the real server it sends no close frame after the last
// frame: it keeps the connection open until the client goes away or the test ends. Control frames from the client
// (pings) are not recorded, and unlike the real server the library answers pings.
//
// Requests with no matching exchange get 404 with an empty body (as the real router does) and are recorded as
// unmatched.
type Replayer struct {
	tb         testing.TB
	tr         *Transcript
	srv        *httptest.Server
	repeatLast bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	used     []bool
	received []*Received
}

// Received is a request as the Replayer received it.
type Received struct {
	N       int // number of the exchange that answered it; 0 when unmatched
	Method  string
	Target  string // the request target as sent (RequestURI), e.g. "/system?"
	Host    string
	Header  http.Header
	Body    []byte
	Form    url.Values // decoded from an application/x-www-form-urlencoded body; nil otherwise
	Frames  []Frame    // websocket messages from the client, in order (FromClient true, Opcode "text" or "binary")
	Matched bool
}

// Option changes how a Replayer answers.
type Option func(*Replayer)

// RepeatLast makes the Replayer answer a request whose recorded exchanges are all used with the last of them again,
// instead of 404 (for clients that poll more often than the recording did).
func RepeatLast() Option { return func(r *Replayer) { r.repeatLast = true } }

// NewReplayer starts a plain-HTTP httptest.Server replaying tr; it is closed when the test ends.
func NewReplayer(tb testing.TB, tr *Transcript, opts ...Option) *Replayer {
	tb.Helper()
	r := &Replayer{tb: tb, tr: tr, used: make([]bool, len(tr.Exchanges))}
	for _, o := range opts {
		o(r)
	}
	r.ctx, r.cancel = context.WithCancel(context.Background())
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(func() {
		r.cancel()
		r.srv.Close()
		r.wg.Wait()
	})
	return r
}

// URL is the base URL of the server, e.g. "http://127.0.0.1:PORT".
func (r *Replayer) URL() string { return r.srv.URL }

// Received returns copies of the requests received so far, in order.
func (r *Replayer) Received() []Received {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]Received, 0, len(r.received))
	for _, rec := range r.received {
		c := *rec
		c.Frames = slices.Clone(rec.Frames)
		out = append(out, c)
	}
	return out
}

// Unmatched returns copies of the received requests that had no matching exchange.
func (r *Replayer) Unmatched() []Received {
	var out []Received
	for _, rec := range r.Received() {
		if !rec.Matched {
			out = append(out, rec)
		}
	}
	return out
}

// Pending returns the exchanges not used yet, in transcript order.
func (r *Replayer) Pending() []Exchange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []Exchange
	for i, used := range r.used {
		if !used {
			out = append(out, r.tr.Exchanges[i])
		}
	}
	return out
}

// take picks the exchange for a request and records it.
func (r *Replayer) take(req *http.Request, body []byte) (*Exchange, *Received) {
	rec := &Received{
		Method: req.Method, Target: req.RequestURI, Host: req.Host,
		Header: req.Header.Clone(), Body: body,
	}
	if strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		rec.Form, _ = url.ParseQuery(string(body))
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.received = append(r.received, rec)
	last := -1
	for i, ex := range r.tr.Exchanges {
		if ex.Request.Method != req.Method || ex.Request.Path != req.URL.Path {
			continue
		}
		last = i
		if !r.used[i] {
			r.used[i] = true
			rec.N, rec.Matched = ex.N, true
			return &r.tr.Exchanges[i], rec
		}
	}
	if r.repeatLast && last >= 0 {
		rec.N, rec.Matched = r.tr.Exchanges[last].N, true
		return &r.tr.Exchanges[last], rec
	}
	return nil, rec
}

func (r *Replayer) serve(w http.ResponseWriter, req *http.Request) {
	r.wg.Add(1)
	defer r.wg.Done()
	body, _ := io.ReadAll(req.Body)
	ex, rec := r.take(req, body)
	switch {
	case ex == nil:
		w.WriteHeader(http.StatusNotFound)
	case ex.Response == nil:
		w.WriteHeader(http.StatusBadGateway) // nothing recorded to answer with
	case ex.Response.Status == http.StatusSwitchingProtocols:
		r.websocket(w, req, ex, rec)
	default:
		for k, vs := range ex.Response.Header {
			switch k {
			case "Content-Length", "Date", "Transfer-Encoding", "Connection":
				continue
			}
			w.Header()[k] = slices.Clone(vs)
		}
		w.WriteHeader(ex.Response.Status)
		_, _ = w.Write(ex.Response.Body)
	}
}

func (r *Replayer) websocket(w http.ResponseWriter, req *http.Request, ex *Exchange, rec *Received) {
	c, err := websocket.Accept(w, req, &websocket.AcceptOptions{
		InsecureSkipVerify: true,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		return // Accept has written the error response
	}
	defer c.CloseNow()
	c.SetReadLimit(-1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		for {
			typ, p, err := c.Read(r.ctx)
			if err != nil {
				return
			}
			op := "text"
			if typ == websocket.MessageBinary {
				op = "binary"
			}
			r.mu.Lock()
			rec.Frames = append(rec.Frames, Frame{FromClient: true, Opcode: op, Fin: true, Masked: true, Len: len(p), Payload: p})
			r.mu.Unlock()
		}
	}()
	for _, f := range ex.ServerFrames() {
		var err error
		switch f.Opcode {
		case "text":
			err = c.Write(r.ctx, websocket.MessageText, f.Payload)
		case "binary":
			err = c.Write(r.ctx, websocket.MessageBinary, f.Payload)
		case "close":
			code, reason := websocket.StatusNoStatusRcvd, ""
			if len(f.Payload) >= 2 {
				code, reason = websocket.StatusCode(binary.BigEndian.Uint16(f.Payload)), string(f.Payload[2:])
			}
			err = c.Close(code, reason)
		}
		if err != nil {
			break
		}
	}
	select {
	case <-readDone:
	case <-r.ctx.Done():
	}
}
