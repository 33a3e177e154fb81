package source

import (
	"context"
	"errors"
	"io"
	"sync"
	"sync/atomic"
)

// Reader returns a function that starts a fresh packaging of opts on each
// call and returns its stream, for use as a retryable upload body. Every
// call regenerates the same bytes from the tree; nothing is buffered.
//
// The call itself only resolves the directory and parses the ignore file,
// so its errors come at once; the walk starts on the first Read, so a
// caller that opens a body just to probe it (retryablehttp does, for its
// length) and closes it pays nothing more. A goroutine feeds the stream
// through an io.Pipe. Closing the stream, or cancelling ctx, stops it, and
// Close returns once it has ended. A packaging error reaches the reader as
// the error of its next Read. The returned io.ReadCloser is a *Stream.
func Reader(ctx context.Context, opts Options) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		p, err := prepare(opts)
		if err != nil {
			return nil, err
		}
		return p.stream(ctx), nil
	}
}

// errNotRead is a Stream's result when it was closed before any Read.
var errNotRead = errors.New("packaging: stream closed before it was read")

// Stream is one packaging run being read.
type Stream struct {
	plan    *plan
	ctx     context.Context
	pr      *io.PipeReader
	pw      *io.PipeWriter
	cancel  context.CancelFunc
	done    chan struct{}
	start   sync.Once
	started atomic.Bool // start has run
	close   sync.Once

	stats Stats // written before done is closed
	err   error
}

// stream makes a Stream that starts packaging on its first Read.
func (p *plan) stream(parent context.Context) *Stream {
	ctx, cancel := context.WithCancel(parent)
	pr, pw := io.Pipe()
	return &Stream{plan: p, ctx: ctx, pr: pr, pw: pw, cancel: cancel, done: make(chan struct{})}
}

// run is the packaging goroutine.
func (s *Stream) run() {
	defer close(s.done)
	defer s.cancel()
	// A cancelled context unblocks a write the reader is not draining.
	stop := context.AfterFunc(s.ctx, func() { s.pw.CloseWithError(context.Cause(s.ctx)) })
	defer stop()
	s.stats, s.err = s.plan.run(s.ctx, s.pw)
	s.pw.CloseWithError(s.err) // nil gives the reader io.EOF
}

// Read reads the tar.gz stream, starting the packaging on the first call.
func (s *Stream) Read(b []byte) (int, error) {
	s.start.Do(func() {
		s.started.Store(true)
		go s.run()
	})
	return s.pr.Read(b)
}

// Close stops the packaging goroutine, if it runs, and waits for it.
func (s *Stream) Close() error {
	s.close.Do(func() {
		s.start.Do(func() { // never read: nothing to stop
			s.started.Store(true)
			s.err = errNotRead
			close(s.done)
		})
		s.pr.Close()
		s.cancel()
		<-s.done
	})
	return nil
}

// Done is closed when the stream has ended: the packaging goroutine has
// returned, or the stream was closed before it started.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Stats returns what went into the tarball and how the run ended. It waits
// for the packaging goroutine, so call it after Read returned io.EOF or
// after Close, not concurrently with Read. On a stream never read nor closed
// it returns an error at once.
func (s *Stream) Stats() (Stats, error) {
	if !s.started.Load() {
		return Stats{}, errNotRead
	}
	<-s.done
	return s.stats, s.err
}
