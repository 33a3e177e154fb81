package reliability

import (
	"flag"
	"os"
	"testing"
)

// TestMain lets all the suite's runs go at once unless -parallel is given:
// they spend their time waiting (on lookups after lost answers, on the
// simulated Rack's builds), not computing, so GOMAXPROCS (the default
// -parallel) would only queue them.
func TestMain(m *testing.M) {
	flag.Parse()
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	if !given {
		_ = flag.Set("test.parallel", "16")
	}
	os.Exit(m.Run())
}
