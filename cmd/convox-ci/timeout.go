package main

import (
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/alecthomas/kong"
)

// parseTimeout reads the run's deadline as convox-ci takes it everywhere it
// reads one (--timeout, CONVOX_CI_TIMEOUT, the action's and the plugin's
// timeout input): a Go duration ("30m", "1h30m", "90s") or a bare number
// of seconds, as the Convox CLI's `run --timeout 600`. It must be more
// than zero: a zero or negative deadline would silently mean none.
func parseTimeout(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	var d time.Duration
	if n, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEnNxXpP_") {
		if n >= float64(math.MaxInt64)/float64(time.Second) {
			return 0, fmt.Errorf("%q seconds is too long; give e.g. 30m, 1h30m, 90s or 600 (seconds)", s)
		}
		d = time.Duration(n * float64(time.Second))
	} else if d, err = time.ParseDuration(s); err != nil {
		return 0, fmt.Errorf("%q is not a duration; give e.g. 30m, 1h30m, 90s or 600 (seconds)", s)
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q would remove the deadline; give one of more than zero, e.g. 30m, 1h30m, 90s or 600 (seconds)", s)
	}
	return d, nil
}

// timeoutMapper decodes a flag tagged type:"timeout" with parseTimeout.
var timeoutMapper = kong.MapperFunc(func(ctx *kong.DecodeContext, target reflect.Value) error {
	var s string
	if err := ctx.Scan.PopValueInto("duration", &s); err != nil {
		return err
	}
	d, err := parseTimeout(s)
	if err != nil {
		return err
	}
	target.Set(reflect.ValueOf(d))
	return nil
})
