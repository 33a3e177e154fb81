package racksim

import (
	"bufio"
	"crypto/sha1" //nolint:gosec // RFC 6455 mandates SHA-1 for the accept key
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Websocket opcodes (RFC 6455 §5.2).
const (
	opContinuation = 0x0
	opText         = 0x1
	opBinary       = 0x2
	opClose        = 0x8
	opPing         = 0x9
	opPong         = 0xA
)

const (
	wsGUID         = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
	wsMaxMessage   = 64 << 20
	wsWriteTimeout = 10 * time.Second
)

// errStreamCut reports a stream cut on purpose by CutStream.
var errStreamCut = errors.New("stream cut")

// isWebSocket tells whether r asks for a websocket upgrade, the way gorilla's
// router matches SOCKET routes (GET with Upgrade: websocket).
func isWebSocket(r *http.Request) bool {
	return r.Method == http.MethodGet && headerHasToken(r.Header, "Upgrade", "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h.Values(name) {
		for _, part := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(part), token) {
				return true
			}
		}
	}
	return false
}

// wsConn is the server side of one websocket. It writes unmasked frames,
// never a close frame, and answers pings only while a handler reads.
type wsConn struct {
	conn net.Conn
	br   *bufio.Reader

	wmu      sync.Mutex
	cutAfter int // close the TCP connection after this many data frames; 0 = never
	sent     int
	cut      bool

	discardOnce sync.Once
	gone        chan struct{}
}

// upgrade answers the handshake with exactly Connection, Upgrade and
// Sec-WebSocket-Accept, as gorilla does, and takes over the connection.
func upgrade(w http.ResponseWriter, r *http.Request) (*wsConn, error) {
	key := r.Header.Get("Sec-Websocket-Key")
	if key == "" {
		return nil, errors.New("websocket: not a websocket handshake: 'Sec-WebSocket-Key' header is missing or blank")
	}
	if r.Header.Get("Sec-Websocket-Version") != "13" {
		return nil, errors.New("websocket: unsupported version: 13 not found in 'Sec-Websocket-Version' header")
	}
	if !headerHasToken(r.Header, "Connection", "upgrade") {
		return nil, errors.New("websocket: 'upgrade' token not found in 'Connection' header")
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		return nil, errors.New("websocket: response does not implement http.Hijacker")
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		return nil, fmt.Errorf("hijacking the connection: %w", err)
	}
	sum := sha1.Sum([]byte(key + wsGUID)) //nolint:gosec // RFC 6455
	resp := "HTTP/1.1 101 Switching Protocols\r\n" +
		"Upgrade: websocket\r\n" +
		"Connection: Upgrade\r\n" +
		"Sec-WebSocket-Accept: " + base64.StdEncoding.EncodeToString(sum[:]) + "\r\n\r\n"
	_ = conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	if _, err := conn.Write([]byte(resp)); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("writing the handshake: %w", err)
	}
	_ = conn.SetDeadline(time.Time{})
	return &wsConn{conn: conn, br: brw.Reader}, nil
}

// writeFrame writes one unfragmented, unmasked frame.
func (c *wsConn) writeFrame(op byte, payload []byte) error {
	var hdr [10]byte
	hdr[0] = 0x80 | op
	n := 2
	switch l := len(payload); {
	case l < 126:
		hdr[1] = byte(l)
	case l <= 0xFFFF:
		hdr[1] = 126
		binary.BigEndian.PutUint16(hdr[2:], uint16(l))
		n = 4
	default:
		hdr[1] = 127
		binary.BigEndian.PutUint64(hdr[2:], uint64(l))
		n = 10
	}
	_ = c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	if _, err := c.conn.Write(append(hdr[:n:n], payload...)); err != nil {
		return fmt.Errorf("writing a websocket frame: %w", err)
	}
	return nil
}

// Text sends one text frame, or cuts the stream when CutStream asked for it.
func (c *wsConn) Text(p string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.cut {
		return errStreamCut
	}
	if err := c.writeFrame(opText, []byte(p)); err != nil {
		return err
	}
	c.sent++
	if c.cutAfter > 0 && c.sent >= c.cutAfter {
		c.cut = true
		_ = c.conn.Close()
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
		_ = c.conn.Close()
		return errStreamCut
	}
	return c.writeFrame(opBinary, nil)
}

// ReadMessage reads one data message from the client, answering pings with
// pongs as gorilla's default handler does while a handler reads. A close
// frame is echoed and reported as io.EOF.
func (c *wsConn) ReadMessage() (byte, []byte, error) {
	var (
		msgOp byte
		msg   []byte
		inMsg bool
	)
	for {
		fin, op, payload, err := c.readFrame()
		if err != nil {
			return 0, nil, err
		}
		switch op {
		case opPing:
			c.wmu.Lock()
			if !c.cut {
				_ = c.writeFrame(opPong, payload)
			}
			c.wmu.Unlock()
			continue
		case opPong:
			continue
		case opClose:
			c.wmu.Lock()
			if !c.cut {
				_ = c.writeFrame(opClose, payload)
			}
			c.wmu.Unlock()
			return 0, nil, io.EOF
		case opContinuation:
			if !inMsg {
				return 0, nil, errors.New("websocket: continuation frame without a message")
			}
		case opText, opBinary:
			if inMsg {
				return 0, nil, errors.New("websocket: new message inside a fragmented one")
			}
			msgOp, inMsg = op, true
		default:
			return 0, nil, fmt.Errorf("websocket: unknown opcode %d", op)
		}
		if len(msg)+len(payload) > wsMaxMessage {
			return 0, nil, errors.New("websocket: message too large")
		}
		msg = append(msg, payload...)
		if fin {
			return msgOp, msg, nil
		}
	}
}

func (c *wsConn) readFrame() (bool, byte, []byte, error) {
	var hdr [2]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return false, 0, nil, err
	}
	fin := hdr[0]&0x80 != 0
	op := hdr[0] & 0x0F
	masked := hdr[1]&0x80 != 0
	length := uint64(hdr[1] & 0x7F)
	switch length {
	case 126:
		var b [2]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return false, 0, nil, err
		}
		length = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		if _, err := io.ReadFull(c.br, b[:]); err != nil {
			return false, 0, nil, err
		}
		length = binary.BigEndian.Uint64(b[:])
	}
	if length > wsMaxMessage {
		return false, 0, nil, errors.New("websocket: frame too large")
	}
	var mask [4]byte
	if masked {
		if _, err := io.ReadFull(c.br, mask[:]); err != nil {
			return false, 0, nil, err
		}
	}
	payload := make([]byte, length)
	if _, err := io.ReadFull(c.br, payload); err != nil {
		return false, 0, nil, err
	}
	if masked {
		for i := range payload {
			payload[i] ^= mask[i%4]
		}
	}
	return fin, op, payload, nil
}

// startDiscard reads and discards whatever the client still sends, without
// answering (the real handler has returned and nothing reads the socket);
// the returned channel closes when the client's side of the connection ends.
// It must not run alongside ReadMessage.
func (c *wsConn) startDiscard() <-chan struct{} {
	c.discardOnce.Do(func() {
		c.gone = make(chan struct{})
		go func() {
			defer close(c.gone)
			buf := make([]byte, 4096)
			for {
				if _, err := c.br.Read(buf); err != nil {
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
	_ = c.conn.Close()
	<-gone
}
