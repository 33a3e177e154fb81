package source

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/moby/patternmatcher"
	"github.com/rs/zerolog"
)

// zeroMatch is what Docker passes for entries at the root: no parent result.
var zeroMatch patternmatcher.MatchInfo

// walker writes the entries under root in Docker's order: depth first, each
// directory's entries sorted by name, a directory before its contents.
type walker struct {
	ctx     context.Context
	ignore  *Ignore
	keep    map[string]bool // files always packaged (true) and their parents (false)
	tw      *tar.Writer
	buf     []byte
	stats   Stats
	counter *Counter // nil for none
}

// walk adds the entries of the directory abs (rel to the root, "" for the
// root itself); parent is the directory's own match result.
func (w *walker) walk(abs, rel string, parent patternmatcher.MatchInfo) error {
	entries, err := os.ReadDir(abs)
	if err != nil {
		return &Error{Op: "reading", Path: display(rel), Err: unwrapPath(err)}
	}
	for _, e := range entries {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		name := e.Name()
		childRel := name
		if rel != "" {
			childRel = rel + string(filepath.Separator) + name
		}
		childAbs := filepath.Join(abs, name)
		isDir := e.IsDir() // from the directory entry: no stat, symlinks are not dirs

		skip, info, err := w.ignore.match(childRel, parent)
		if err != nil {
			return &Error{Op: "matching", Path: filepath.ToSlash(childRel), Err: err}
		}
		if skip {
			kept, isKept := w.keep[filepath.ToSlash(childRel)]
			if isKept && kept && !isDir { // the Rack needs it: sent whatever .dockerignore says
				if err := w.add(e, childAbs, childRel); err != nil {
					return err
				}
				continue
			}
			w.stats.Excluded++
			if isDir && (w.ignore.mayHoldExceptions(childRel) || isKept && !kept) {
				// Docker walks into it, without its entry, for the exceptions.
				if err := w.walk(childAbs, childRel, info); err != nil {
					return err
				}
			}
			continue
		}
		if err := w.add(e, childAbs, childRel); err != nil {
			return err
		}
		if isDir {
			if err := w.walk(childAbs, childRel, info); err != nil {
				return err
			}
		}
	}
	return nil
}

// add writes one entry: its header and, for a regular file, its contents.
func (w *walker) add(e fs.DirEntry, abs, rel string) error {
	name := filepath.ToSlash(rel)
	fi, err := e.Info() // the one lstat for this entry
	if errors.Is(err, fs.ErrNotExist) {
		zerolog.Ctx(w.ctx).Debug().Str("path", name).Msg("vanished while packaging, skipped")
		return nil
	}
	if err != nil {
		return &Error{Op: "reading", Path: name, Err: unwrapPath(err)}
	}
	mode := fi.Mode()
	switch {
	case mode.IsRegular():
		return w.addFile(fi, abs, name)
	case mode.IsDir():
		w.stats.Dirs++
		return w.writeHeader(fi, name+"/", "")
	case mode&fs.ModeSymlink != 0:
		link, err := os.Readlink(abs)
		if err != nil {
			return &Error{Op: "reading link", Path: name, Err: unwrapPath(err)}
		}
		w.stats.Symlinks++
		return w.writeHeader(fi, name, link)
	default:
		w.stats.Skipped++
		zerolog.Ctx(w.ctx).Debug().Str("path", name).Str("mode", mode.String()).Msg("not a file, directory or symlink, skipped")
		return nil
	}
}

// addFile writes a regular file. Hard links are written as full copies: the
// Rack unpacks only directories and regular files, so a hard-link entry
// would lose the file there.
func (w *walker) addFile(fi fs.FileInfo, abs, name string) error {
	f, err := os.Open(abs)
	if errors.Is(err, fs.ErrNotExist) {
		zerolog.Ctx(w.ctx).Debug().Str("path", name).Msg("vanished while packaging, skipped")
		return nil
	}
	if err != nil {
		return &Error{Op: "reading", Path: name, Err: unwrapPath(err)}
	}
	defer f.Close()
	if err := w.writeHeader(fi, name, ""); err != nil {
		return err
	}
	size := fi.Size()
	if err := w.copy(f, name, size); err != nil {
		return err
	}
	w.stats.Files++
	w.stats.Bytes += size
	if w.counter != nil {
		w.counter.Files.Add(1)
		w.counter.Bytes.Add(size)
	}
	return nil
}

// errChanged reports a file whose size changed while it was being packaged.
var errChanged = errors.New("file changed size while packaging")

// copy streams exactly size bytes of f into the tar writer through the one
// reused buffer, checking for cancellation between chunks. It does not use
// io.Copy, which would take *os.File's WriteTo path and allocate a buffer
// per file.
func (w *walker) copy(f *os.File, name string, size int64) error {
	for size > 0 {
		if err := w.ctx.Err(); err != nil {
			return err
		}
		chunk := w.buf
		if int64(len(chunk)) > size {
			chunk = chunk[:size]
		}
		n, err := io.ReadFull(f, chunk)
		if n > 0 {
			if _, werr := w.tw.Write(chunk[:n]); werr != nil {
				return fmt.Errorf("writing tar: %w", werr)
			}
			size -= int64(n)
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return &Error{Op: "reading", Path: name, Err: errChanged}
		}
		if err != nil {
			return &Error{Op: "reading", Path: name, Err: unwrapPath(err)}
		}
	}
	return nil
}

// writeHeader writes the header Docker's archive.FileInfoHeader would write.
func (w *walker) writeHeader(fi fs.FileInfo, name, link string) error {
	hdr, err := tar.FileInfoHeader(noLookups{fi}, link)
	if err != nil {
		return &Error{Op: "reading", Path: name, Err: err}
	}
	hdr.Name = name
	hdr.Format = tar.FormatPAX
	hdr.ModTime = hdr.ModTime.Truncate(time.Second)
	hdr.AccessTime = time.Time{}
	hdr.ChangeTime = time.Time{}
	if err := w.tw.WriteHeader(hdr); err != nil {
		return fmt.Errorf("writing tar header for %s: %w", name, err)
	}
	return nil
}

// noLookups keeps numeric uid/gid (from Sys) but leaves user and group names
// empty, as Docker does, so that no passwd lookup happens and the bytes do
// not depend on the machine's user database.
type noLookups struct{ fs.FileInfo }

func (noLookups) Uname() (string, error) { return "", nil }
func (noLookups) Gname() (string, error) { return "", nil }

// display names a context-relative path for errors; the root is ".".
func display(rel string) string {
	if rel == "" {
		return "."
	}
	return filepath.ToSlash(rel)
}
