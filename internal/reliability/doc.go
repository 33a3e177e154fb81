// Package reliability is the reliability suite of convox-ci: Go tests that
// run many deploys (build + promote), migrations (run) and environment
// replacements against the simulated Rack under injected faults (429, 502,
// 503, connection resets before or after the Rack acted, slow answers, cut
// streams, late answers: a 502 or 504 and the Rack carrying the request out
// seconds later) at fault rates 0, 0.1, 0.3 and 0.5 with fixed seeds
// (several at 0.3 and 0.5), and check what
// the Rack really saw: exactly one build and one promotion per deploy,
// exactly one release per environment replacement, at most one execution
// per migration, no success reported for a deploy the Rack did not reach,
// permanent errors classified for their exit status, and a bounded time to
// give up on a Rack that always answers 503.
//
// The package holds tests only. Run the short version (a few minutes, mostly
// waiting: a lost answer is looked up for up to 30 s before creating again)
// with its figures printed:
//
//	go test -count=1 -v ./internal/reliability
//
// and the long version (more of everything, more seeds; minutes) with
//
//	CONVOX_CI_RELIABILITY=long go test -count=1 -v -timeout 30m ./internal/reliability
//
// Each figure line starts with "reliability:" so that CI output can be
// searched for it.
package reliability
