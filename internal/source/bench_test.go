package source

import (
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/convox-ci/convox-ci/bench/gentree"
)

// writeBenchTree creates the benchmark tree (bench/gentree: source-like
// text, one file in ten incompressible, an excluded node_modules) and
// returns the bytes that will be packaged.
func writeBenchTree(tb testing.TB, dir string, files int, size int64) int64 {
	tb.Helper()
	total, err := gentree.Generate(dir, files, size)
	require.NoError(tb, err)
	return total
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
