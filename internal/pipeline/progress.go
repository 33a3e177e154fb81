package pipeline

import (
	"sync"
	"time"

	"github.com/convox-ci/convox-ci/internal/report"
)

// Progress says how a long phase (an upload, a build, a rollout) shows it
// is alive: on a terminal, a status line redrawn in place; in a CI log, a
// line every so often. The zero value shows nothing.
type Progress struct {
	Live  *report.Live  // a terminal's status line; nil when the log is no terminal
	Every time.Duration // without Live: a log line this often (CI: 10 s); 0 for none
}

// liveRefresh is how often a terminal's status line is redrawn.
const liveRefresh = 250 * time.Millisecond

// Track shows status() while a phase lasts, as st.Progress says, until
// the returned stop is called. status is called from another goroutine.
func (st *State) Track(status func() string) (stop func()) {
	p := st.Progress
	every := p.Every
	if p.Live != nil {
		every = liveRefresh
	}
	if every <= 0 {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				// Counts and ids, and states the Rack sent: redacted as
				// the log's messages are (the terminal's line is no log).
				line := st.Secrets.String(status())
				if p.Live != nil {
					p.Live.Set(line)
				} else {
					st.Log.Info().Msg(line)
				}
			}
		}
	}()
	var once sync.Once
	return func() {
		once.Do(func() {
			close(done)
			wg.Wait()
			if p.Live != nil {
				p.Live.Set("")
			}
		})
	}
}
