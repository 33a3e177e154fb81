package racksim

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/stretchr/testify/require"
)

func startProcess(t *testing.T, h *harness, app, svc, command string) rack.Process {
	t.Helper()
	r := h.do(req{method: "POST", path: "/apps/" + app + "/services/" + svc + "/processes", header: map[string]string{"Command": command}})
	require.Equal(t, 200, r.status, "%s", r.body)
	var p rack.Process
	r.json(t, &p)
	return p
}

func TestRunAttachedExitCode(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	var mu sync.Mutex
	var gotStdin []byte
	h.sim.OnExec(func(app, service, command string, stdin []byte) (string, int) {
		mu.Lock()
		gotStdin = stdin
		mu.Unlock()
		return fmt.Sprintf("migrating: %s\n2 migrations pending\nerror: migration 2 failed\n", command), 3
	})
	p := startProcess(t, h, "myapp", "web", "sleep 3600")
	require.Equal(t, rack.ProcessPending, p.Status)
	require.Regexp(t, `^web-[a-z0-9]{5}$`, p.ID)
	h.waitJSON("/apps/myapp/processes/"+p.ID, "status", rack.ProcessRunning)

	res := h.ws("/apps/myapp/processes/"+p.ID+"/exec",
		map[string]string{"Command": "bin/migrate", "Entrypoint": "true", "Tty": "false"},
		strp("yes\n"), strp("no\n"), nil)
	require.True(t, res.ended)
	require.Equal(t, []string{
		"migrating: bin/migrate\n", "2 migrations pending\n", "error: migration 2 failed\n",
		rack.ExitMarker + "3\n",
	}, res.texts)
	mu.Lock()
	require.Equal(t, "yes\nno\n", string(gotStdin))
	mu.Unlock()

	require.Equal(t, "ok\n", string(h.do(req{method: "DELETE", path: "/apps/myapp/processes/" + p.ID}).body))
	require.Equal(t, 500, h.get("/apps/myapp/processes/"+p.ID).status)
}

func TestDefaultExec(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	p := startProcess(t, h, "myapp", "web", "sleep 60")
	h.waitJSON("/apps/myapp/processes/"+p.ID, "status", rack.ProcessRunning)
	tests := []struct {
		command string
		want    []string
	}{
		{command: "bin/ok", want: []string{"running: bin/ok\n", rack.ExitMarker + "0\n"}},
		{command: "exit 7", want: []string{"running: exit 7\n", rack.ExitMarker + "7\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			res := h.ws("/apps/myapp/processes/"+p.ID+"/exec", map[string]string{"Command": tc.command}, nil)
			require.True(t, res.ended)
			require.Equal(t, tc.want, res.texts)
		})
	}
}

func TestExecFailures(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, ProcessStartDelay: time.Hour})
	pending := startProcess(t, h, "myapp", "web", "sleep 60")
	tests := []struct {
		name, pid string
		want      []string
	}{
		{name: "unknown process", pid: "web-nope1", want: []string{rack.ExitMarker + "0\n", "ERROR: pods \"web-nope1\" not found\n"}},
		{name: "pending process", pid: pending.ID, want: []string{rack.ExitMarker + "1\n", "ERROR: unable to upgrade connection: container not found (\"myapp\")\n"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.ws("/apps/myapp/processes/"+tc.pid+"/exec", map[string]string{"Command": "ls"}, nil)
			require.True(t, res.ended)
			require.Equal(t, tc.want, res.texts)
		})
	}
}

func TestRunDetachedCompletes(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	tests := []struct {
		command, want string
	}{
		{command: "bin/migrate", want: "complete"},
		{command: "exit 2", want: "failed"},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			p := startProcess(t, h, "myapp", "web", tc.command)
			require.Equal(t, tc.command, p.Command)
			h.waitJSON("/apps/myapp/processes/"+p.ID, "status", tc.want)
			res := h.ws("/apps/myapp/processes/"+p.ID+"/logs", map[string]string{"Follow": "false"})
			require.Contains(t, res.joined(), "running: "+tc.command)
		})
	}
}

func TestRunValidation(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	tests := []struct {
		name, svc, release, want string
		code                     int
	}{
		{name: "unknown service", svc: "worker", code: 404, want: "service not found: worker\n"},
		{name: "unknown release", svc: "web", release: "RNOPENOPENO", code: 500, want: "releases.convox.com \"rnopenopeno\" not found\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(req{method: "POST", path: "/apps/myapp/services/" + tc.svc + "/processes", header: map[string]string{"Command": "ls", "Release": tc.release}})
			require.Equal(t, tc.code, r.status)
			require.Equal(t, tc.want, string(r.body))
		})
	}
}

func TestProcessListFilters(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	run := startProcess(t, h, "myapp", "web", "sleep 60")
	var all, byRelease []rack.Process
	h.get("/apps/myapp/processes").json(t, &all)
	require.Len(t, all, 2, "the seeded web pod and the run pod")
	h.get("/apps/myapp/processes?service=web&release="+run.Release).json(t, &byRelease)
	require.Len(t, byRelease, 2)
	var none []rack.Process
	h.get("/apps/myapp/processes?service=worker").json(t, &none)
	require.Empty(t, none)
}

var logLine = regexp.MustCompile(`^\[pod/web-[a-z0-9]{9}-[a-z0-9]{5}/myapp\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z .+\n$`)

func TestLogsNoFollow(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	res := h.ws("/apps/myapp/logs", map[string]string{"Follow": "false", "Prefix": "true", "Since": "1m0s"})
	require.True(t, res.ended)
	require.Len(t, res.texts, 1)
	require.Regexp(t, logLine, res.texts[0])
	require.True(t, strings.HasSuffix(res.texts[0], " listening on :3000\n"))

	noPrefix := h.ws("/apps/myapp/services/web/logs", map[string]string{"Follow": "false"})
	require.Regexp(t, `^\d{4}-\d\d-\d\dT[0-9:.]+Z listening on :3000\n$`, noPrefix.joined())

	other := h.ws("/apps/myapp/services/worker/logs", map[string]string{"Follow": "false"})
	require.Equal(t, []string{"ERROR: no resources found in staging-myapp namespace\n"}, other.texts)
}

func TestLogsFollowSeesARollout(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}, FollowLimit: 300 * time.Millisecond})
	rid := newRelease(t, h, "myapp", "A=1")
	require.Equal(t, 200, h.do(req{method: "POST", path: "/apps/myapp/releases/" + rid + "/promote", form: url.Values{"force": {"false"}}}).status)
	res := h.ws("/apps/myapp/logs", map[string]string{"Prefix": "true", "Since": "5s"})
	require.True(t, res.ended, "a followed stream ends at the follow limit")
	require.Contains(t, res.joined(), "running release "+rid+"\n")
	for _, line := range res.texts {
		require.Regexp(t, logLine, line)
	}
}

func TestCutStream(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	p := startProcess(t, h, "myapp", "web", "sleep 60")
	h.waitJSON("/apps/myapp/processes/"+p.ID, "status", rack.ProcessRunning)
	h.sim.OnExec(func(_, _, _ string, _ []byte) (string, int) { return "one\ntwo\n", 0 })
	h.sim.CutStream("GET", "/apps/myapp/processes/*/exec")
	cut := h.ws("/apps/myapp/processes/"+p.ID+"/exec", map[string]string{"Command": "x"}, nil)
	require.False(t, cut.ended, "no end frame on a cut stream")
	require.Error(t, cut.err)
	require.Equal(t, []string{"one\n"}, cut.texts)

	whole := h.ws("/apps/myapp/processes/"+p.ID+"/exec", map[string]string{"Command": "x"}, nil)
	require.True(t, whole.ended, "only the next stream is cut")
	require.Equal(t, []string{"one\n", "two\n", rack.ExitMarker + "0\n"}, whole.texts)
}

// While an exec reads stdin, the Rack's gorilla handlers answer a ping with
// a pong; the stream then ends with the empty binary frame, no close frame.
func TestExecAnswersPingsWhileReadingStdin(t *testing.T) {
	h := newHarness(t, Options{Apps: []string{"myapp"}})
	h.sim.OnExec(func(_, _, _ string, stdin []byte) (string, int) { return string(stdin), 0 })
	p := startProcess(t, h, "myapp", "web", "sleep 3600")
	h.waitJSON("/apps/myapp/processes/"+p.ID, "status", rack.ProcessRunning)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{"Authorization": {"Basic " + basic("convox", testPassword)}, "Command": {"cat"}}
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(h.srv.URL, "http")+"/apps/myapp/processes/"+p.ID+"/exec", &websocket.DialOptions{HTTPHeader: hdr})
	require.NoError(t, err)
	defer conn.CloseNow()
	require.NoError(t, conn.Write(ctx, websocket.MessageText, []byte("hello\n")))

	frames := make(chan []byte, 8)
	go func() { // a reader is what lets the client see the pong
		defer close(frames)
		for {
			typ, data, err := conn.Read(ctx)
			if err != nil {
				return
			}
			if typ == websocket.MessageBinary {
				frames <- nil
				continue
			}
			frames <- data
		}
	}()
	require.NoError(t, conn.Ping(ctx), "the server answers a ping while it reads stdin")
	require.NoError(t, conn.Write(ctx, websocket.MessageBinary, nil))
	require.Equal(t, "hello\n", string(<-frames))
	require.Equal(t, rack.ExitMarker+"0\n", string(<-frames))
	require.Nil(t, <-frames, "the empty binary end frame")
}
