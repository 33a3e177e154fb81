// Package racksim is a simulated Convox Rack API server (and, optionally, the
// Console proxy in front of Racks), for tests and for `convox-ci simulate`.
//
// It answers the routes a deploy-key CI client touches the way the real
// convox/convox pkg/api handlers over the k8s provider do (docs/protocol.md
// and the transcripts in internal/wiretest/testdata are the authority):
//
//   - GET /check (no auth, "ok"), GET /system, GET/POST /apps, GET /apps/{app},
//     POST /apps/{app}/cancel, GET /apps/{app}/services (`convox services`),
//     GET /apps/{app}/budget (read by `convox ps`; never set: both null)
//   - objects: POST/GET/HEAD/DELETE /apps/{app}/objects/{key...}
//   - builds: create from an uploaded gzip tarball (the tarball is really read:
//     convox.yml and each service's Dockerfile decide the log lines and the
//     outcome), get, list, logs websocket, PUT (update), export to a
//     deterministic artifact (build.json + one stand-in "<service>.<id>.tar"
//     per service) and import of such an artifact
//   - releases: create (fork of parent-release or the latest, server-made
//     "env add:K change:K remove:K" descriptions), get, list, promote with the
//     real validation (403 while updating unless force=true, 400 for an older
//     release or an empty manifest), then a timed rollout (updating ->
//     running, or scripted updating -> rollback -> running on the old release)
//     which, with Options.ControllerLag, starts that long after the promote
//     answered: until then the app reads running on its old release, as a
//     real app does until Convox's controller writes its annotations
//   - processes: run (pending -> running), list, get, stop, exec websocket
//     with stdin frames, output frames, the exit-code marker and the empty
//     binary end frame; detached commands run through OnExec and complete
//   - logs: app and service log websockets in the kubectl "[pod/<pod>/<app>]
//     <ts> <msg>" format with Follow, Since, Tail and Prefix
//
// Unknown builds, releases and processes answer as the real k8s Rack does:
// 500 with the Kubernetes error, the name lower-cased
// (`builds.convox.com "bxxxxxxxxxx" not found`, `releases.convox.com ...`,
// `pods "web-x" not found`); an unknown app is 404 "app not found: <app>".
//
// A failed build, as with the real build runner (pkg/build fail()), writes
// "ERROR: <cause>" as its last log line and leaves Build.reason empty; a
// missing manifest fails with "open /tmp/<n>/convox.yml: no such file or
// directory", the build pod's own words.
//
// Wire details copied from the real server: Request-Id (12 hex),
// X-Content-Type-Options and X-Frame-Options on matched routes only; unknown
// routes get 404 with an empty body and no extra headers (405 likewise for a
// known path with another method); errors are "<message>\n" text/plain, or
// {"error":"<message>"} when Accept names application/json; JSON is indented
// two spaces with a trailing newline; actions answer "ok\n". Websockets are
// served through gorilla/websocket with the real Rack's upgrader (convox/stdapi),
// so the framing is the real one: the 101 answer carries only Connection, Upgrade and
// Sec-WebSocket-Accept, errors (including a bad password) arrive after the
// upgrade as an "ERROR: <message>\n" text frame, every stream ends with an
// empty binary frame, the server never sends a close frame, never answers a
// ping once the stream has ended, and leaves closing the TCP connection to the
// client (it does close it when the Server is closed).
//
// Fault injection (Options.Faults, fault.go): a seeded share of requests get
// a 429 with Retry-After: 1, a 502 (empty or a proxy's HTML page), a 503, a
// connection reset without an answer, a 200-800 ms delay, or (websockets) a
// cut after the first frame with no end frame or exit marker. Resets and 502s
// on plain requests come after the handler ran about half of the time, so a
// client sees ambiguous failures of calls the Rack did carry out. GET /check
// is never faulted; Server.FaultStats counts what was injected.
//
// Console mode (Options.Console) answers GET /racks and GET /machines itself
// (the latter with an empty JSON array; a direct Rack answers 404) and routes
// every other call by its Rack header to an independent rack state. Console
// is closed source, so its answers are choices, documented here:
//
//   - a bad password: 401 "invalid authentication" as a Rack does; on a
//     websocket path the upgrade is refused with that HTTP answer (the real
//     CLI makes a throw-away GET before websockets precisely because Console
//     cannot challenge a websocket), so a client sees a failed handshake
//   - a missing Rack header: 400 "no rack specified"; an unknown one:
//     404 "rack not found: <name>"
//   - with Options.DeployKey, anything outside the deploy-key allow-list
//     (docs/protocol.md, Deploy keys) is refused with 403 "deploy key is not permitted to
//     <METHOD> <path>", before any upgrade
//
// Deliberate differences from a real k8s Rack, chosen to make tests useful:
//
//   - POST /apps/{app}/builds checks at once that the url names a stored
//     object of the app (404 "object not found: <key>"); the real Rack accepts
//     and the build pod fails later.
//   - A service missing from the release manifest fails a process run with
//     404 "service not found: <name>"; the real Rack starts a broken pod.
//   - An invalid import artifact answers 400 "invalid build artifact: ...";
//     the real Rack answers 500 with the gzip/tar error text.
//   - Imported builds keep description, manifest and logs of build.json but,
//     as on the real Rack, not its git-sha.
//   - Followed log streams end after Options.FollowLimit (default 1 minute)
//     even if the client stays; a real Rack follows until the client leaves.
//   - The log Filter header is ignored, as on the real k8s provider.
//   - An exec waits for the client's end-of-stdin frame (the empty binary
//     frame) before running the command, since OnExec takes all of stdin; a
//     real Rack runs the command at once and never closes its stdin.
//   - Exec on an unknown process sends the marker with code 0 and then an
//     "ERROR:" frame, as the real handler does: a client that trusts the
//     marker alone would report success.
//
// Not simulated: JWT users (refused with 401), the session handshake of
// Console, multipart and pre-2018 compatibility routes, resources, certificates,
// instances, registries, scaling, budgets, system logs, build-args effects and
// real images.
package racksim
