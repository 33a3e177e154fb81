// Command pack generates a source-like tree and packages it with
// internal/source, for bench/package.sh.
//
//	go run ./bench/pack -gen DIR -files 20000 -mb 300   # create a tree
//	go run ./bench/pack DIR > /dev/null                 # package it to stdout
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/convox-ci/convox-ci/bench/gentree"
	"github.com/convox-ci/convox-ci/internal/source"
)

func main() {
	gen := flag.String("gen", "", "create a tree in this directory instead of packaging")
	files := flag.Int("files", 20000, "number of files to generate")
	mb := flag.Int64("mb", 300, "approximate MB of packaged files to generate")
	level := flag.Int("level", 0, "gzip level (0: the package default)")
	conc := flag.Int("concurrency", 0, "compressor goroutines (0: GOMAXPROCS)")
	block := flag.Int("block", 0, "pgzip block size in KiB (0: the package default)")
	flag.Parse()
	if *gen != "" {
		if _, err := gentree.Generate(*gen, *files, *mb<<20); err != nil {
			fmt.Fprintln(os.Stderr, "pack:", err)
			os.Exit(1)
		}
		return
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: pack [-level N] [-concurrency N] DIR > out.tgz | pack -gen DIR [-files N] [-mb N]")
		os.Exit(2)
	}
	start := time.Now()
	w := bufio.NewWriterSize(os.Stdout, 1<<20)
	stats, err := source.Package(context.Background(), source.Options{Dir: flag.Arg(0), Level: *level, Concurrency: *conc, BlockSize: *block << 10}, w)
	if err == nil {
		err = w.Flush()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "pack:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "files=%d dirs=%d excluded=%d bytes=%d compressed=%d seconds=%.3f\n",
		stats.Files, stats.Dirs, stats.Excluded, stats.Bytes, stats.Compressed, time.Since(start).Seconds())
}
