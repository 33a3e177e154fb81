package source

// Error is a packaging failure on this machine: a file or directory of the
// context that cannot be read, a file that changed while it was read, an
// invalid .dockerignore. The Rack has nothing to do with it, and repeating
// an upload cannot help.
type Error struct {
	Op   string // what failed: "reading", "parsing", "resolving", ...
	Path string // the path relative to the context ("." for the root), or as given
	Err  error
}

func (e *Error) Error() string { return e.Op + " " + e.Path + ": " + e.Err.Error() }

func (e *Error) Unwrap() error { return e.Err }

// LocalError marks the error as this machine's: an HTTP client that meets it
// while reading a request body reports it as is and never retries.
func (e *Error) LocalError() bool { return true }
