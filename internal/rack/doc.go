// Package rack is the client of the Convox Rack API, spoken as the real
// Convox CLI speaks it (docs/protocol.md) and safer where the
// CLI is weak: TLS is verified by default, what is safe to repeat is retried
// (and nothing else), a call that creates something and lost its answer is
// reported as ambiguous (ErrAmbiguous) so that the caller looks before it
// creates again, error answers become typed errors classified by their
// message, `ERROR:` frames and missing exit codes are failures, and streams
// end at the Rack's end-of-stream frame.
//
// One Client talks to one Rack, either directly (RACK_URL, or CONVOX_HOST
// naming a Rack) or through Convox Console (CONVOX_HOST plus a rack name sent
// in the Rack header, with Console's session handshake). Plain calls go
// through one retryablehttp client; streams (build logs, app logs, exec) are
// websockets.
//
// User-Agent: the real CLI sends "convox.go/dev" (its version is never set by
// its release builds); we send "convox.go/dev convox-ci/<version>", keeping
// the CLI's token first for anything that matches on it and naming ourselves
// after it. The Version header stays "dev" as the CLI sends it.
package rack
