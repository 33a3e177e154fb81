package report

import (
	"fmt"
	"time"
)

// Size is a byte count for people: 512 B, 1.2 kB, 120.5 MB, 3.1 GB.
func Size(n int64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, prefix := float64(n), ""
	for _, p := range []string{"kB", "MB", "GB", "TB"} {
		v /= unit
		prefix = p
		if v < unit {
			break
		}
	}
	return fmt.Sprintf("%.1f %s", v, prefix)
}

// Elapsed is a duration for people: 12ms, 1.2s, 1m05s, 1h02m.
func Elapsed(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return d.Round(time.Microsecond).String()
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < 10*time.Second:
		return fmt.Sprintf("%.1fs", d.Seconds())
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
}
