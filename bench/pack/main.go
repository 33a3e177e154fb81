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
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/source"
)

// words is the vocabulary of the generated source-like text.
var words = strings.Fields(`func return if else for range package import type struct interface
	err nil ctx string int error context fmt Errorf require NoError t.Run name value
	:= == != { } ( ) [ ] // the a of to in is and config server client handler request
	response build deploy release rack app service process 0 1 2 42 true false`)

func main() {
	gen := flag.String("gen", "", "create a tree in this directory instead of packaging")
	files := flag.Int("files", 20000, "number of files to generate")
	mb := flag.Int64("mb", 300, "approximate MB of packaged files to generate")
	level := flag.Int("level", 0, "gzip level (0: the package default)")
	conc := flag.Int("concurrency", 0, "compressor goroutines (0: GOMAXPROCS)")
	block := flag.Int("block", 0, "pgzip block size in KiB (0: the package default)")
	flag.Parse()
	if *gen != "" {
		if err := generate(*gen, *files, *mb<<20); err != nil {
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

// generate writes files text files totalling about size bytes (one in ten is
// incompressible, like images), an excluded node_modules and a .dockerignore.
func generate(dir string, files int, size int64) error {
	rng := rand.New(rand.NewPCG(1, 2))
	per := size / int64(files)
	var sb strings.Builder
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%40), fmt.Sprintf("sub%d", i%7), fmt.Sprintf("file%05d.go", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		n := per/2 + rng.Int64N(per+1)
		var data []byte
		if i%10 == 9 {
			data = make([]byte, n)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
		} else {
			sb.Reset()
			for int64(sb.Len()) < n {
				sb.WriteString(words[rng.IntN(len(words))])
				if rng.IntN(12) == 0 {
					sb.WriteByte('\n')
				} else {
					sb.WriteByte(' ')
				}
			}
			data = []byte(sb.String()[:n])
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	for i := range files / 40 {
		p := filepath.Join(dir, "node_modules", fmt.Sprintf("dep%d", i), "index.js")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, make([]byte, 64<<10), 0o644); err != nil {
			return err
		}
	}
	return os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("node_modules\n*.log\n"), 0o644)
}
