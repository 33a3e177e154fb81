package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
)

// shells are the names a runner uses when it hands the image's ENTRYPOINT its
// job script as a shell command line (`/bin/bash -c "<script>"`, as some
// Bitbucket Pipelines runners do).
var shells = map[string]bool{"sh": true, "bash": true, "ash": true, "dash": true}

// execShell replaces convox-ci with the shell named by args[0], when it names
// one, so that an image whose ENTRYPOINT is convox-ci still runs such a script
// (the convention of Docker's official images). It returns only when args[0]
// is no shell; a shell that cannot be started is reported by the caller.
func execShell(args []string) error {
	if len(args) == 0 || !shells[filepath.Base(args[0])] {
		return nil
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return err
	}
	return syscall.Exec(path, args, os.Environ())
}
