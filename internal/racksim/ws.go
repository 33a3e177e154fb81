package racksim

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const (
	wsMaxMessage   = 64 << 20
	wsWriteTimeout = 10 * time.Second
)

// errStreamCut reports a stream cut on purpose by CutStream.
var errStreamCut = errors.New("stream cut")

// upgrader is the real Rack's (convox/stdapi router.go): gorilla/websocket
// with 10 KiB buffers, no subprotocol, no compression, same-origin check.
var upgrader = websocket.Upgrader{ReadBufferSize: 10 * 1024, WriteBufferSize: 10 * 1024}

// isWebSocket tells whether r asks for a websocket upgrade, the way gorilla's
// router matches SOCKET routes (GET with Upgrade: websocket).
func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for part := range strings.SplitSeq(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// wsConn is the server side of one websocket, as the real Rack serves it
// through gorilla/websocket: text frames, an empty binary frame at the end,
// never a close frame, pings answered only while a handler reads. CutStream
// closes the connection instead.
type wsConn struct {
	conn *websocket.Conn

	wmu      sync.Mutex
	cutAfter int // close the TCP connection after this many data frames; 0 = never
	sent     int
	cut      bool

	discardOnce sync.Once
	gone        chan struct{}
}

// upgrade answers the handshake as the real Rack does (gorilla writes
// exactly Connection, Upgrade and Sec-WebSocket-Accept); on a failed
// handshake gorilla has answered with an HTTP error already.
func upgrade(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return nil, err
	}
	conn.SetReadLimit(wsMaxMessage)
	return &wsConn{conn: conn}, nil
}

func (c *wsConn) write(kind int, payload []byte) error {
	_ = c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return c.conn.WriteMessage(kind, payload)
}

// close closes the TCP connection without a close frame.
func (c *wsConn) close() { _ = c.conn.Close() }

// Text sends one text frame, or cuts the stream when CutStream asked for it.
func (c *wsConn) Text(p string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.cut {
		return errStreamCut
	}
	if err := c.write(websocket.TextMessage, []byte(p)); err != nil {
		return err
	}
	c.sent++
	if c.cutAfter > 0 && c.sent >= c.cutAfter {
		c.cut = true
		c.close()
	}
	return nil
}

// End sends the empty binary frame that ends every stream. A stream due to be
// cut is cut here instead, before the end frame.
func (c *wsConn) End() error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.cut {
		return errStreamCut
	}
	if c.cutAfter > 0 {
		c.cut = true
		c.close()
		return errStreamCut
	}
	return c.write(websocket.BinaryMessage, nil)
}

// ReadMessage reads one data message from the client (gorilla's default
// handlers answer pings meanwhile, and echo a close frame). A close frame is
// reported as io.EOF.
func (c *wsConn) ReadMessage() (binary bool, data []byte, err error) {
	kind, data, err := c.conn.ReadMessage()
	var closed *websocket.CloseError
	if errors.As(err, &closed) {
		return false, nil, io.EOF
	}
	if err != nil {
		return false, nil, err
	}
	return kind == websocket.BinaryMessage, data, nil
}

// startDiscard reads and discards whatever the client still sends, without
// answering (the real handler has returned and nothing reads the socket,
// so no pong and no close frame goes back); the returned channel closes
// when the client's side of the connection ends. It must not run alongside
// ReadMessage.
func (c *wsConn) startDiscard() <-chan struct{} {
	c.discardOnce.Do(func() {
		c.gone = make(chan struct{})
		c.conn.SetPingHandler(func(string) error { return nil })
		c.conn.SetCloseHandler(func(int, string) error { return nil })
		go func() {
			defer close(c.gone)
			for {
				if _, r, err := c.conn.NextReader(); err != nil {
					return
				} else if _, err := io.Copy(io.Discard, r); err != nil {
					return
				}
			}
		}()
	})
	return c.gone
}

// waitClient leaves the connection open until the client closes it (or stop
// closes), then closes it: the server never closes first.
func (c *wsConn) waitClient(stop <-chan struct{}) {
	gone := c.startDiscard()
	select {
	case <-gone:
	case <-stop:
	}
	c.close()
	<-gone
}
