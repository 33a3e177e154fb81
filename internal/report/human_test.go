package report

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestHumanSizesAndDurations(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 999: "999 B", 1000: "1.0 kB", 126_700_000: "126.7 MB", 3_100_000_000: "3.1 GB"} {
		require.Equal(t, want, Size(n))
	}
	for d, want := range map[time.Duration]string{
		11413746 * time.Nanosecond: "11ms", 1200 * time.Millisecond: "1.2s", 42 * time.Second: "42s",
		65 * time.Second: "1m05s", 62 * time.Minute: "1h02m", 500 * time.Microsecond: "500µs",
	} {
		require.Equal(t, want, Elapsed(d))
	}
}
