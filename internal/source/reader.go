package source

import (
	"context"
	"io"
	"sync"
)

// Reader returns a function that starts a fresh packaging of opts on each
// call and returns its stream, for use as a retryable upload body. Every
// call regenerates the same bytes from the tree; nothing is buffered.
//
// The stream is fed by a goroutine through an io.Pipe. Closing the stream,
// or cancelling ctx, stops that goroutine; Close returns once it has ended.
// A packaging error reaches the reader as the error of its next Read. The
// returned io.ReadCloser is a *Stream.
func Reader(ctx context.Context, opts Options) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		p, err := prepare(opts)
		if err != nil {
			return nil, err
		}
		return p.stream(ctx), nil
	}
}

// Stream is one packaging run being read.
type Stream struct {
	pr     *io.PipeReader
	cancel context.CancelFunc
	done   chan struct{}
	once   sync.Once

	stats Stats // written before done is closed
	err   error
}

// stream starts the packaging goroutine.
func (p *plan) stream(parent context.Context) *Stream {
	ctx, cancel := context.WithCancel(parent)
	pr, pw := io.Pipe()
	s := &Stream{pr: pr, cancel: cancel, done: make(chan struct{})}
	// A cancelled context unblocks a write the reader is not draining.
	stop := context.AfterFunc(ctx, func() { pw.CloseWithError(context.Cause(ctx)) })
	go func() {
		defer close(s.done)
		defer cancel()
		defer stop()
		s.stats, s.err = p.run(ctx, pw)
		pw.CloseWithError(s.err) // nil gives the reader io.EOF
	}()
	return s
}

// Read reads the tar.gz stream.
func (s *Stream) Read(b []byte) (int, error) { return s.pr.Read(b) }

// Close stops the packaging goroutine, if still running, and waits for it.
func (s *Stream) Close() error {
	s.once.Do(func() {
		s.pr.Close()
		s.cancel()
		<-s.done
	})
	return nil
}

// Done is closed when the packaging goroutine has ended.
func (s *Stream) Done() <-chan struct{} { return s.done }

// Stats returns what went into the tarball and how the run ended; it waits
// for the packaging goroutine, so call it after reading to io.EOF or after
// Close.
func (s *Stream) Stats() (Stats, error) {
	<-s.done
	return s.stats, s.err
}
