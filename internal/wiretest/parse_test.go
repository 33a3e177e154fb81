package wiretest

import (
	"encoding/json"
	"mime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const exitMarker = "F1E49A85-0AD7-4AEF-A618-C249C6E6568D:3\n"

func TestEveryTranscriptParses(t *testing.T) {
	names, err := Names()
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(names), 20)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			tr := MustLoad(t, name)
			require.Equal(t, name, tr.Name)
			require.NotEmpty(t, tr.Command)
			require.NotEmpty(t, tr.Scenario)
			require.NotEmpty(t, tr.Exchanges)
			for i, ex := range tr.Exchanges {
				if i > 0 {
					require.Greater(t, ex.N, tr.Exchanges[i-1].N, "exchanges in request-number order")
				}
				req := ex.Request
				require.NotEmpty(t, req.Method, "#%d", ex.N)
				require.True(t, strings.HasPrefix(req.Target, req.Path), "#%d target %q path %q", ex.N, req.Target, req.Path)
				require.NotEmpty(t, req.Header.Get("Host"), "#%d", ex.N)
				if !req.Binary && req.BodyLen > 0 {
					require.Len(t, req.Body, req.BodyLen, "#%d request body", ex.N)
				}
				require.NotNil(t, ex.Response, "#%d has a response", ex.N)
				res := ex.Response
				if !res.Binary {
					require.Len(t, res.Body, res.BodyLen, "#%d response body", ex.N)
				}
				if cl := res.Header.Get("Content-Length"); cl != "" && !res.Binary {
					require.Equal(t, cl, strconv.Itoa(len(res.Body)), "#%d Content-Length", ex.N)
				}
				if ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type")); ct == "application/json" {
					require.True(t, json.Valid(res.Body), "#%d JSON body: %s", ex.N, res.Body)
				}
				require.Equal(t, req.WebSocket, res.Status == 101, "#%d upgraded iff Upgrade: websocket", ex.N)
				if !req.WebSocket {
					require.Empty(t, ex.Frames, "#%d frames only on websockets", ex.N)
				}
				for _, f := range ex.Frames {
					require.Len(t, f.Payload, f.Len, "#%d frame payload", ex.N)
					require.Equal(t, f.FromClient, f.Masked, "#%d clients mask, servers do not", ex.N)
				}
				for _, n := range ex.Notes {
					require.NotContains(t, n, " frame ", "#%d frame left in notes", ex.N)
				}
			}
		})
	}
}

func TestHeaderFields(t *testing.T) {
	tests := map[string]struct {
		name     string
		command  string
		exit     int
		stdout   string
		stderr   string
		nExchges int
	}{
		"run-exit3": {
			name: "run-exit3", command: `convox run web "bin/migrate" --app myapp < /dev/null`, exit: 3,
			stdout: "migrating: bin/migrate\n2 migrations pending\nerror: migration 2 failed\n", nExchges: 6,
		},
		"build-id no trailing newline": {
			name: "build-id", command: "convox build --app myapp --id", exit: 0, stdout: "RASDFGHJKLZ",
			stderr:   "Packaging source... OK\nUploading source... OK\nStarting build... OK\nBuilding: .\nStep 1/2 : FROM scratch\nStep 2/2 : COPY . /app\nRunning: docker push\nBuild complete\nBuild:   BQWERTYUIOP\nRelease: RASDFGHJKLZ\n",
			nExchges: 10,
		},
		"err-bad-password-http": {
			name: "err-bad-password-http", command: "RACK_URL=http://convox:wrong@127.0.0.1:$PORT convox rack", exit: 1,
			stderr: "ERROR: invalid authentication\n", nExchges: 1,
		},
		"err-promote-updating keeps trailing space": {
			name: "err-promote-updating", command: "convox releases promote RASDFGHJKLZ --app busyapp", exit: 1,
			stdout: "Promoting RASDFGHJKLZ... \n", stderr: "ERROR: app is currently updating\n", nExchges: 2,
		},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			tr := MustLoad(t, tc.name)
			require.Equal(t, tc.command, tr.Command)
			require.Equal(t, tc.exit, tr.Exit)
			require.Equal(t, tc.stdout, tr.Stdout)
			require.Equal(t, tc.stderr, tr.Stderr)
			require.Len(t, tr.Exchanges, tc.nExchges)
		})
	}
}

func TestDeployBuildForm(t *testing.T) {
	tr := MustLoad(t, "deploy")
	ex := tr.Exchange(3)
	require.NotNil(t, ex)
	require.Equal(t, "POST", ex.Request.Method)
	require.Equal(t, "/apps/myapp/builds?", ex.Request.Target)
	require.Equal(t, "/apps/myapp/builds", ex.Request.Path)
	require.Equal(t, "application/x-www-form-urlencoded", ex.Request.Header.Get("Content-Type"))
	require.Equal(t, "build 9142cc9266 add web service", ex.Request.Form.Get("description"))
	require.Equal(t, "9142cc9266ed1f6118bd2af305f29acb185b2c96", ex.Request.Form.Get("git-sha"))
	require.Equal(t, "object://myapp/tmp/d712047a64cbde7e9399a108a5c6cd.tgz", ex.Request.Form.Get("url"))
	require.Len(t, ex.Request.Form, 3)
	require.True(t, strings.HasPrefix(string(ex.Request.Body), "description=build+9142cc9266+add+web+service&git-sha="))
	require.Equal(t, 200, ex.Response.Status)
}

func TestDeployOutOfOrderAndLateFrames(t *testing.T) {
	tr := MustLoad(t, "deploy")
	require.Len(t, tr.Exchanges, 62)
	for i, ex := range tr.Exchanges {
		require.Equal(t, i+1, ex.N)
	}
	require.Equal(t, "/apps/myapp", tr.Exchange(48).Request.Path)
	require.Equal(t, "/apps/myapp/processes", tr.Exchange(49).Request.Path)

	// #5's ping and stream-end lines come long after #10 in the file.
	ws := tr.Exchange(5)
	require.True(t, ws.Request.WebSocket)
	var ops []string
	for _, f := range ws.Frames {
		ops = append(ops, f.Opcode)
	}
	require.Equal(t, []string{"text", "binary", "ping"}, ops)
	require.True(t, ws.Frames[2].FromClient)
	require.NotEmpty(t, ws.Notes)
	require.Contains(t, strings.Join(ws.Notes, "\n"), "C->S TCP stream ended")
}

func TestRunExit3Frames(t *testing.T) {
	tr := MustLoad(t, "run-exit3")
	ex := tr.First("GET", "/apps/myapp/processes/web-5f7c9-abcde/exec")
	require.Equal(t, 5, ex.N)
	require.Equal(t, "bin/migrate", ex.Request.Header.Get("Command"))
	require.Equal(t, "true", ex.Request.Header.Get("Entrypoint"))
	require.Equal(t, "false", ex.Request.Header.Get("Tty"))
	require.Equal(t, "Basic Y29udm94OnMzY3IzdA==", ex.Request.Header.Get("Authorization"))

	require.Equal(t, []Frame{{At: ex.Frames[0].At, FromClient: true, Opcode: "binary", Fin: true, Masked: true, Len: 0, Payload: []byte{}}}, ex.ClientFrames())
	server := ex.ServerFrames()
	require.Len(t, server, 5)
	require.Equal(t, "text", server[3].Opcode)
	require.Equal(t, exitMarker, string(server[3].Payload))
	require.Equal(t, "binary", server[4].Opcode)
	require.Empty(t, server[4].Payload)
	require.Equal(t, "migrating: bin/migrate\n", string(server[0].Payload))
	require.Len(t, ex.Notes, 2)
}

func TestBuildsImportBinaryBody(t *testing.T) {
	tr := MustLoad(t, "builds-import")
	ex := tr.First("POST", "/apps/myapp2/builds/import")
	require.Equal(t, 2, ex.N)
	require.Equal(t, "/apps/myapp2/builds/import?", ex.Request.Target)
	require.Equal(t, "application/octet-stream", ex.Request.Header.Get("Content-Type"))
	require.Equal(t, "chunked", ex.Request.Header.Get("Transfer-Encoding"))
	require.True(t, ex.Request.Binary)
	require.Equal(t, 33, ex.Request.BodyLen)
	require.Equal(t, "\x1f\x8b\x08\x00EXPORTED-BUILD-ARTIFACT-BYTE", string(ex.Request.Body))
	require.Nil(t, ex.Request.Form)
	var build struct{ Release string }
	require.NoError(t, json.Unmarshal(ex.Response.Body, &build))
	require.Equal(t, "RIMPORTEDAA", build.Release)
}

func TestErrJSONErrorStatuses(t *testing.T) {
	tr := MustLoad(t, "err-json-error")
	var statuses []int
	for _, ex := range tr.Exchanges {
		statuses = append(statuses, ex.Response.Status)
		require.Equal(t, "application/json", ex.Response.Header.Get("Content-Type"))
	}
	require.Equal(t, []int{404, 403, 401}, statuses)
	require.Equal(t, "{\"error\":\"app not found: nope\"}\n", string(tr.Exchanges[0].Response.Body))
	require.Equal(t, "false", tr.Exchanges[1].Request.Form.Get("force"))
	require.Equal(t, `Basic realm="convox"`, tr.Exchanges[2].Response.Header.Get("Www-Authenticate"))
	require.Equal(t, "Basic Y29udm94Ondyb25n", tr.Exchanges[2].Request.Header.Get("Authorization"))
}

func TestEnvSetReplaceForm(t *testing.T) {
	tr := MustLoad(t, "env-set-replace")
	ex := tr.First("POST", "/apps/myapp/releases")
	require.Equal(t, "A=1\nB=2", ex.Request.Form.Get("env"))
	require.Equal(t, "env=A%3D1%0AB%3D2", string(ex.Request.Body))
}

func TestNoBodyResponse(t *testing.T) {
	tr := MustLoad(t, "deploy")
	ex := tr.First("GET", "/machines")
	require.Equal(t, 404, ex.Response.Status)
	require.Empty(t, ex.Response.Body)
	require.Equal(t, "0", ex.Response.Header.Get("Content-Length"))
	require.Empty(t, ex.Response.Header.Get("Request-Id"))
}

func TestFindFirst(t *testing.T) {
	tr := MustLoad(t, "deploy")
	tests := map[string]struct {
		method, path string
		want         []int
	}{
		"build polls":           {"GET", "/apps/myapp/builds/BQWERTYUIOP", []int{6, 7, 8}},
		"by target with query":  {"GET", "/system?", []int{1}},
		"method must match":     {"DELETE", "/system", nil},
		"path must match fully": {"GET", "/apps/myapp/builds", nil},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			var got []int
			for _, ex := range tr.Find(tc.method, tc.path) {
				got = append(got, ex.N)
			}
			require.Equal(t, tc.want, got)
			first := tr.First(tc.method, tc.path)
			if tc.want == nil {
				require.Zero(t, first.N)
				require.Nil(t, first.Response)
			} else {
				require.Equal(t, tc.want[0], first.N)
			}
		})
	}
	require.Nil(t, tr.Exchange(999))
}

func TestParseRejectsMalformed(t *testing.T) {
	tests := map[string]string{
		"bad request line": "#1 >>> [+0.1s] GET\n",
		"bad form line":    "#1 >>> [+0.1s] GET /x? HTTP/1.1\n#1 >>>   form broken\n",
		"bad frame quote":  "#1 >>> [+0.1s] GET /x HTTP/1.1\n#1 WS [+0.2s] S->C frame text fin=true masked=false len=1 text=\"\\q\"\n",
		"bad header":       "#1 >>> [+0.1s] GET /x? HTTP/1.1\n#1 >>> NoColonHere\n",
		"no request":       "#1 <<< [+0.1s] HTTP/1.1 200 OK\n",
		"bad status":       "#1 >>> [+0.1s] GET /x? HTTP/1.1\n#1 <<< [+0.1s] HTTP/1.1 abc OK\n",
	}
	for name, in := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := Parse("x", strings.NewReader(in))
			require.Error(t, err)
		})
	}
}

func TestAuthorizationAnnotationStripped(t *testing.T) {
	tr := MustLoad(t, "err-readonly-jwt")
	for _, ex := range tr.Exchanges {
		auth := ex.Request.Header.Get("Authorization")
		require.True(t, strings.HasPrefix(auth, "Basic "), "#%d", ex.N)
		require.NotContains(t, auth, " [", "#%d", ex.N)
		require.NotContains(t, auth, "decoded", "#%d", ex.N)
	}
	tok := tr.First("POST", "/system/jwt/token")
	require.Equal(t, "read", tok.Request.Form.Get("role"))
	require.Equal(t, "1", tok.Request.Form.Get("durationInHour"))
}
