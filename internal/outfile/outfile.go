// Package outfile creates the files a run writes for the job to read (the
// result file, exported builds): their folder is created, and when we run
// as root in a folder someone else owns (a CI workspace mounted into a
// container, as GitHub's docker actions do), what we create belongs to that
// owner, so the job's later steps can read, replace and delete it.
package outfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
)

// Create creates or truncates the file at path, creating its folder.
func Create(path string) (*os.File, error) {
	own, created, err := mkdirAll(filepath.Dir(path))
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	if err := own(append(created, path)...); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// WriteFile writes data to the file at path as Create makes it.
func WriteFile(path string, data []byte) error {
	f, err := Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mkdirAll creates dir and its missing parents, and returns them (outermost
// first) with the function that gives paths the owner of the nearest folder
// that already existed.
func mkdirAll(dir string) (own func(...string) error, created []string, err error) {
	existing := dir
	for {
		fi, err := os.Stat(existing)
		if err == nil {
			if !fi.IsDir() {
				return nil, nil, &fs.PathError{Op: "mkdir", Path: existing, Err: errors.New("not a directory")}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, nil, err
		}
		created = append([]string{existing}, created...)
		parent := filepath.Dir(existing)
		if parent == existing {
			break
		}
		existing = parent
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, nil, err
	}
	return ownedLike(existing), created, nil
}

// Check reports, creating nothing that stays, what would keep Create from
// writing path: a folder where the file should be, a file where a folder
// should be, a file or folder that cannot be written. It lets a run refuse
// a result file it could not write before it sends anything.
func Check(path string) error {
	if fi, err := os.Stat(path); err == nil {
		if fi.IsDir() {
			return &fs.PathError{Op: "open", Path: path, Err: errors.New("is a directory")}
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err != nil {
			return err
		}
		return f.Close()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Dir(path)
	for {
		fi, err := os.Stat(dir)
		if err == nil {
			if !fi.IsDir() {
				return &fs.PathError{Op: "mkdir", Path: dir, Err: errors.New("not a directory")}
			}
			break
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return err
		}
		dir = parent
	}
	f, err := os.CreateTemp(dir, ".convox-ci-check-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
