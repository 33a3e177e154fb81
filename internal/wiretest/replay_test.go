package wiretest

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"
)

func do(t *testing.T, method, u, contentType, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, u, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.SetBasicAuth("convox", "s3cr3t")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	return res, b
}

func TestReplayerHTTP(t *testing.T) {
	tr := MustLoad(t, "deploy")
	r := NewReplayer(t, tr)

	res, body := do(t, "GET", r.URL()+"/system?", "application/octet-stream", "")
	want := tr.Exchange(1).Response
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, string(want.Body), string(body))
	require.Equal(t, "application/json", res.Header.Get("Content-Type"))
	require.Equal(t, want.Header.Get("Request-Id"), res.Header.Get("Request-Id"))
	require.Equal(t, "nosniff", res.Header.Get("X-Content-Type-Options"))
	require.NotEqual(t, want.Header.Get("Date"), res.Header.Get("Date"), "Date is the server's own")

	form := url.Values{"description": {"d"}, "git-sha": {"abc"}, "url": {"object://myapp/tmp/x.tgz"}}
	res, body = do(t, "POST", r.URL()+"/apps/myapp/builds?", "application/x-www-form-urlencoded", form.Encode())
	require.Equal(t, 200, res.StatusCode)
	require.Equal(t, string(tr.Exchange(3).Response.Body), string(body))

	res, body = do(t, "GET", r.URL()+"/nowhere?", "", "")
	require.Equal(t, 404, res.StatusCode)
	require.Empty(t, body)
	require.Empty(t, res.Header.Get("Content-Type"))
	require.Equal(t, "0", res.Header.Get("Content-Length"))

	got := r.Received()
	require.Len(t, got, 3)
	require.Equal(t, "/system?", got[0].Target)
	require.Equal(t, 1, got[0].N)
	require.True(t, got[0].Matched)
	require.Equal(t, "Basic Y29udm94OnMzY3IzdA==", got[0].Header.Get("Authorization"))
	require.Equal(t, 3, got[1].N)
	require.Equal(t, form, got[1].Form)
	require.Equal(t, form.Encode(), string(got[1].Body))
	require.False(t, got[2].Matched)

	unmatched := r.Unmatched()
	require.Len(t, unmatched, 1)
	require.Equal(t, "/nowhere?", unmatched[0].Target)
	require.Len(t, r.Pending(), len(tr.Exchanges)-2)
}

func TestReplayerTakesExchangesInOrder(t *testing.T) {
	tr := MustLoad(t, "deploy")
	r := NewReplayer(t, tr)
	var statuses []string
	for range 4 {
		res, body := do(t, "GET", r.URL()+"/apps/myapp/builds/BQWERTYUIOP?", "", "")
		if res.StatusCode != 200 {
			statuses = append(statuses, res.Status)
			continue
		}
		for _, s := range []string{"running", "complete"} {
			if strings.Contains(string(body), `"status": "`+s+`"`) {
				statuses = append(statuses, s)
			}
		}
	}
	require.Equal(t, []string{"running", "complete", "complete", "404 Not Found"}, statuses)
}

func TestReplayerRepeatLast(t *testing.T) {
	tr := MustLoad(t, "rack")
	r := NewReplayer(t, tr, RepeatLast())
	for range 3 {
		res, body := do(t, "GET", r.URL()+"/system?", "", "")
		require.Equal(t, 200, res.StatusCode)
		require.Equal(t, string(tr.Exchanges[0].Response.Body), string(body))
	}
	require.Empty(t, r.Unmatched())
	require.Empty(t, r.Pending())
}

func TestReplayerErrorResponse(t *testing.T) {
	tr := MustLoad(t, "err-bad-password-http")
	r := NewReplayer(t, tr)
	res, body := do(t, "GET", r.URL()+"/system?", "", "")
	require.Equal(t, 401, res.StatusCode)
	require.Equal(t, "invalid authentication\n", string(body))
	require.Equal(t, `Basic realm="convox"`, res.Header.Get("Www-Authenticate"))
}

func TestReplayerWebSocket(t *testing.T) {
	tr := MustLoad(t, "run-exit3")
	r := NewReplayer(t, tr)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	h := http.Header{"Command": {"bin/migrate"}, "Entrypoint": {"true"}, "Tty": {"false"}}
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.URL(), "http")+"/apps/myapp/processes/web-5f7c9-abcde/exec",
		&websocket.DialOptions{HTTPHeader: h})
	require.NoError(t, err)
	defer c.CloseNow()
	require.Equal(t, 101, res.StatusCode)
	require.Empty(t, res.Header.Get("Sec-Websocket-Extensions"), "no compression")
	require.NoError(t, c.Write(ctx, websocket.MessageBinary, nil))

	type msg struct {
		typ  websocket.MessageType
		data string
	}
	var got []msg
	for range 5 {
		typ, p, err := c.Read(ctx)
		require.NoError(t, err)
		got = append(got, msg{typ, string(p)})
	}
	require.Equal(t, []msg{
		{websocket.MessageText, "migrating: bin/migrate\n"},
		{websocket.MessageText, "2 migrations pending\n"},
		{websocket.MessageText, "error: migration 2 failed\n"},
		{websocket.MessageText, exitMarker},
		{websocket.MessageBinary, ""},
	}, got)

	// No close frame follows: the next read waits until we give up.
	short, stop := context.WithTimeout(ctx, 50*time.Millisecond)
	_, _, err = c.Read(short)
	stop()
	require.ErrorIs(t, err, context.DeadlineExceeded)

	require.Eventually(t, func() bool {
		rec := r.Received()
		return len(rec) == 1 && len(rec[0].Frames) == 1
	}, 5*time.Second, 5*time.Millisecond, "client frame recorded")
	rec := r.Received()[0]
	require.Equal(t, 5, rec.N)
	require.Equal(t, "bin/migrate", rec.Header.Get("Command"))
	require.Equal(t, "/apps/myapp/processes/web-5f7c9-abcde/exec", rec.Target)
	require.Equal(t, "binary", rec.Frames[0].Opcode)
	require.True(t, rec.Frames[0].FromClient)
	require.Empty(t, rec.Frames[0].Payload)
}

func TestReplayerWebSocketStdinText(t *testing.T) {
	tr := MustLoad(t, "run-stdin")
	r := NewReplayer(t, tr)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.URL(), "http")+"/apps/myapp/processes/web-5f7c9-abcde/exec", nil)
	require.NoError(t, err)
	defer c.CloseNow()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte("yes\nno\n")))
	require.NoError(t, c.Write(ctx, websocket.MessageBinary, nil))
	require.Eventually(t, func() bool {
		rec := r.Received()
		return len(rec) == 1 && len(rec[0].Frames) == 2
	}, 5*time.Second, 5*time.Millisecond)
	frames := r.Received()[0].Frames
	require.Equal(t, "text", frames[0].Opcode)
	require.Equal(t, "yes\nno\n", string(frames[0].Payload))
	require.Equal(t, "binary", frames[1].Opcode)
}

func TestReplayerWebSocketClientGoesAway(t *testing.T) {
	tr := MustLoad(t, "logs")
	r := NewReplayer(t, tr)
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, body := do(t, "GET", r.URL()+"/machines?", "", "")
	require.Equal(t, 404, res.StatusCode)
	require.Empty(t, body)
	require.Empty(t, res.Header.Get("Content-Type"))
	require.Empty(t, res.Header.Get("Request-Id"))
	c, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(r.URL(), "http")+"/apps/myapp/logs", nil)
	require.NoError(t, err)
	typ, p, err := c.Read(ctx)
	require.NoError(t, err)
	require.Equal(t, websocket.MessageText, typ)
	require.Equal(t, "[pod/web-5f7c9-abcde/myapp] 2026-11-22T12:00:01.000000000Z listening on :3000\n", string(p))
	require.NoError(t, c.CloseNow())
	require.Empty(t, r.Pending())
	require.Empty(t, r.Unmatched(), "the recorded /machines 404 is a match")
}
