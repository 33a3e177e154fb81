// Command convox-ci deploys to Convox Racks from any CI.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// Stamped by the release build: -ldflags "-X main.version=v1.2.3 -X main.commit=... -X main.date=...".
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	if err := execShell(os.Args[1:]); err != nil {
		fmt.Fprintf(os.Stderr, "convox-ci: %s is a shell, but it cannot be started here: %v\n", os.Args[1], err)
		os.Exit(exitUsage)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	// A closed stdout (`convox-ci builds | head -1`) is a write error the run
	// handles (stdout.go), not a death by SIGPIPE without a result file.
	signal.Ignore(syscall.SIGPIPE)
	go func() {
		sig := <-sigs
		cancel(&interrupted{signal: sig})
		<-sigs // a second signal ends at once
		os.Exit(exitForSignal(sig))
	}()
	os.Exit(Main(ctx, os.Args[1:], os.Getenv, os.Stdin, os.Stdout, os.Stderr))
}
