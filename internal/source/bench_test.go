package source

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// benchWords is the vocabulary of the generated source-like text.
var benchWords = strings.Fields(`func return if else for range package import type struct interface
	err nil ctx string int error context fmt Errorf require NoError t.Run name value
	:= == != { } ( ) [ ] // the a of to in is and config server client handler request
	response build deploy release rack app service process 0 1 2 42 true false`)

// writeBenchTree creates files text files totalling about size bytes (one in
// ten is incompressible, like images), plus an excluded node_modules, and
// returns the bytes that will be packaged.
func writeBenchTree(tb testing.TB, dir string, files int, size int64) int64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	per := size / int64(files)
	var total int64
	var sb strings.Builder
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%40), fmt.Sprintf("sub%d", i%7), fmt.Sprintf("file%05d.go", i))
		require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		n := per/2 + rng.Int64N(per+1) // uneven sizes around per
		var data []byte
		if i%10 == 9 {
			data = make([]byte, n)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
		} else {
			sb.Reset()
			for int64(sb.Len()) < n {
				sb.WriteString(benchWords[rng.IntN(len(benchWords))])
				if rng.IntN(12) == 0 {
					sb.WriteByte('\n')
				} else {
					sb.WriteByte(' ')
				}
			}
			data = []byte(sb.String()[:n])
		}
		require.NoError(tb, os.WriteFile(p, data, 0o644))
		total += n
	}
	for i := range 50 {
		p := filepath.Join(dir, "node_modules", fmt.Sprintf("dep%d", i), "index.js")
		require.NoError(tb, os.MkdirAll(filepath.Dir(p), 0o755))
		require.NoError(tb, os.WriteFile(p, make([]byte, 64<<10), 0o644))
	}
	ignore := "node_modules\n*.log\n"
	require.NoError(tb, os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte(ignore), 0o644))
	return total + int64(len(ignore))
}

// cpuTime is the process's user+system CPU time so far.
func cpuTime(tb testing.TB) time.Duration {
	var ru unix.Rusage
	require.NoError(tb, unix.Getrusage(unix.RUSAGE_SELF, &ru))
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPackage packages a generated 2,000-file, ~50 MB tree. MB/s is over
// the uncompressed file bytes; ratio is compressed/uncompressed; cpu-ms/op is
// the CPU spent; B/op shows that memory does not grow with the tree (it is
// mostly pgzip's blocks).
func BenchmarkPackage(b *testing.B) {
	dir := b.TempDir()
	total := writeBenchTree(b, dir, 2000, 50<<20)

	cases := []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"level=6", Options{Level: 6}},
		{"concurrency=1", Options{Concurrency: 1}},
		{"block=1MiB", Options{BlockSize: 1 << 20}},
		{"block=128KiB", Options{BlockSize: 128 << 10}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			opts := c.opts
			opts.Dir = dir
			b.SetBytes(total)
			b.ReportAllocs()
			var stats Stats
			cpu0 := cpuTime(b)
			for b.Loop() {
				var err error
				stats, err = Package(b.Context(), opts, io.Discard)
				if err != nil {
					b.Fatal(err)
				}
			}
			if stats.Bytes != total {
				b.Fatalf("packaged %d bytes, want %d", stats.Bytes, total)
			}
			b.ReportMetric(float64(stats.Compressed)/float64(stats.Bytes), "ratio")
			// CPU time per op is steadier than ns/op on a shared machine.
			b.ReportMetric(float64(cpuTime(b)-cpu0)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
		})
	}
}
