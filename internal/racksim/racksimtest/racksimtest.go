// Package racksimtest starts simulated Racks for tests: quick by default,
// served over plain HTTP on loopback and closed when the test ends.
package racksimtest

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

// Quick gives the durations opts leaves at zero test speed: builds and
// rollouts of 30 ms, processes that start in 5 ms.
func Quick(opts racksim.Options) racksim.Options {
	if opts.BuildDuration == 0 {
		opts.BuildDuration = 30 * time.Millisecond
	}
	if opts.RolloutDuration == 0 {
		opts.RolloutDuration = 30 * time.Millisecond
	}
	if opts.ProcessStartDelay == 0 {
		opts.ProcessStartDelay = 5 * time.Millisecond
	}
	return opts
}

// Start serves a simulated Rack made from Quick(opts) for the test and
// returns it with its URL.
func Start(t testing.TB, opts racksim.Options) (*racksim.Server, string) {
	t.Helper()
	return StartBehind(t, opts, nil)
}

// StartBehind is Start with the Rack behind wrap: a proxy that loses
// answers, counts requests, ... (nil: none).
func StartBehind(t testing.TB, opts racksim.Options, wrap func(http.Handler) http.Handler) (*racksim.Server, string) {
	t.Helper()
	sim := racksim.New(Quick(opts))
	var h http.Handler = sim
	if wrap != nil {
		h = wrap(sim)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(func() {
		srv.Close()
		sim.Close()
	})
	return sim, srv.URL
}

// Buffer is a bytes.Buffer that goroutines (a log, a child process) write
// while the test reads it.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Bytes returns a copy of what was written so far.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.b.Bytes())
}
