package deploy

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/bench/gentree"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
	"github.com/convox-ci/convox-ci/internal/racksim"
	"github.com/convox-ci/convox-ci/internal/racksim/racksimtest"
	"github.com/convox-ci/convox-ci/internal/report"
	"github.com/convox-ci/convox-ci/internal/source"
	"github.com/convox-ci/convox-ci/internal/steps"
)

const (
	password = "bench-password-3f1a"
	app      = "bench"
)

// instantRack serves a simulated Rack whose builds and rollouts take no
// time, and returns it with a client for it.
func instantRack(tb testing.TB) (*racksim.Server, *rack.Client) {
	tb.Helper()
	sim, url := racksimtest.Start(tb, racksim.Options{Password: password, Apps: []string{app}})
	sim.SetBuildDuration(0) // Options take 0 as "the default"
	sim.SetRolloutDuration(0)
	c, err := rack.New(rack.Config{Host: url, Password: password, Logger: zerolog.Nop()})
	require.NoError(tb, err)
	return sim, c
}

// smallApp writes a small app (the app files and one source file).
func smallApp(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	_, err := gentree.WriteApp(dir)
	require.NoError(tb, err)
	require.NoError(tb, os.WriteFile(filepath.Join(dir, "index.js"), []byte("console.log('hello')\n"), 0o644))
	return dir
}

// BenchmarkDeployOverhead is one build+promote of a small app against a Rack
// that builds and rolls out at once: everything measured is convox-ci's
// (packaging a few files, requests, waiting and polling). Metrics: the
// requests it makes and the time of each step.
func BenchmarkDeployOverhead(b *testing.B) {
	sim, c := instantRack(b)
	dir := smallApp(b)
	ctx := context.Background()
	var buildNs, promoteNs time.Duration
	before := len(sim.Requests())
	for b.Loop() {
		st := &pipeline.State{Rack: c, RackName: "bench", App: app, Log: zerolog.Nop(), Secrets: report.NewSecrets(), Poll: pipeline.DefaultPoll}
		if err := pipeline.Run(ctx, st, []pipeline.Step{steps.Build{Dir: dir}, steps.Promote{}}); err != nil {
			b.Fatal(err)
		}
		buildNs += time.Duration(st.Steps[0].Duration)
		promoteNs += time.Duration(st.Steps[1].Duration)
	}
	n := float64(b.N)
	b.ReportMetric(float64(len(sim.Requests())-before)/n, "requests/op")
	b.ReportMetric(float64(buildNs.Milliseconds())/n, "build-ms/op")
	b.ReportMetric(float64(promoteNs.Milliseconds())/n, "promote-ms/op")
}

// BenchmarkPackageUpload packages a generated tree and uploads it to the
// simulated Rack over loopback, as the build step does. MB/s is over the
// packaged (uncompressed) bytes; sent-MB/op is what went over the wire.
// With receiver=discard the upload body is read to the end and dropped in
// front of the Rack (what bench/run.sh does); with receiver=racksim the
// simulated Rack keeps it in memory, whose cost (a growing buffer, in this
// same process) then shows in the figure.
func BenchmarkPackageUpload(b *testing.B) {
	files, mb := envInt(b, "BENCH_FILES", 2000), envInt(b, "BENCH_MB", 50)
	dir := b.TempDir()
	total, err := gentree.Generate(dir, files, int64(mb)<<20)
	require.NoError(b, err)
	for _, discard := range []bool{true, false} {
		name := "receiver=racksim"
		if discard {
			name = "receiver=discard"
		}
		b.Run(name, func(b *testing.B) {
			c := uploadRack(b, discard)
			ctx := context.Background()
			b.SetBytes(total)
			var sent int64
			for b.Loop() {
				open := source.Reader(ctx, source.Options{Dir: dir})
				var cur *countReader
				_, err := c.ObjectStore(ctx, app, "tmp/bench.tgz", func() (io.Reader, error) {
					rc, err := open()
					if err != nil {
						return nil, err
					}
					if cur != nil {
						cur.Close()
					}
					cur = &countReader{ReadCloser: rc}
					return cur, nil
				})
				if err != nil {
					b.Fatal(err)
				}
				cur.Close()
				sent += cur.n
			}
			b.ReportMetric(float64(sent)/float64(b.N)/1e6, "sent-MB/op")
			b.ReportMetric(float64(sent)/float64(b.N)/float64(total), "ratio")
		})
	}
}

// uploadRack serves a simulated Rack, behind a front that drops upload
// bodies when discard is set.
func uploadRack(tb testing.TB, discard bool) *rack.Client {
	tb.Helper()
	var front func(http.Handler) http.Handler
	if discard {
		front = func(sim http.Handler) http.Handler { return discardObjects{next: sim} }
	}
	_, url := racksimtest.StartBehind(tb, racksim.Options{Password: password, Apps: []string{app}}, front)
	c, err := rack.New(rack.Config{Host: url, Password: password, Logger: zerolog.Nop()})
	require.NoError(tb, err)
	return c
}

// discardObjects reads object upload bodies to the end, drops them, and
// hands the Rack an empty object instead.
type discardObjects struct{ next http.Handler }

func (d discardObjects) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && strings.Contains(r.URL.Path, "/objects/") {
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body, r.ContentLength = http.NoBody, 0
	}
	d.next.ServeHTTP(w, r)
}

type countReader struct {
	io.ReadCloser
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n += int64(n)
	return n, err
}

func envInt(tb testing.TB, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	require.NoError(tb, err, name)
	return n
}

// rollouts are the simulated rollout times BenchmarkPromoteLag cycles
// through: spread so that no poll schedule is lucky on all of them.
var rollouts = []time.Duration{1300 * time.Millisecond, 2900 * time.Millisecond, 4600 * time.Millisecond, 6100 * time.Millisecond}

// BenchmarkPromoteLag promotes a fresh release while the simulated Rack
// takes 1.3 to 6.1 s to roll it out (cycling through rollouts), and reports
// lag-ms/op: how long after the rollout ended the promote step noticed.
// That lag is the price of polling where the protocol has no signal; each
// sub-benchmark uses a different Poll.Max. Slow (several seconds per op):
//
//	go test -run '^$' -bench PromoteLag -benchtime 8x ./bench/deploy
func BenchmarkPromoteLag(b *testing.B) {
	for _, max := range []time.Duration{pipeline.DefaultPoll.Max, time.Second, 500 * time.Millisecond} {
		b.Run("max="+max.String(), func(b *testing.B) {
			sim, c := instantRack(b)
			ctx := context.Background()
			poll := pipeline.Poll{Min: pipeline.DefaultPoll.Min, Max: max}
			var lag time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				env := "N=" + strconv.Itoa(i)
				r, err := c.ReleaseCreate(ctx, app, rack.ReleaseCreateOptions{Env: &env})
				require.NoError(b, err)
				rollout := rollouts[i%len(rollouts)]
				sim.SetRolloutDuration(rollout)
				st := &pipeline.State{Rack: c, RackName: "bench", App: app, Log: zerolog.Nop(), Secrets: report.NewSecrets(), Poll: poll}
				b.StartTimer()
				if err := pipeline.Run(ctx, st, []pipeline.Step{steps.Promote{Release: r.ID}}); err != nil {
					b.Fatal(err)
				}
				lag += time.Duration(st.Steps[0].Duration) - rollout
			}
			b.ReportMetric(float64(lag.Milliseconds())/float64(b.N), "lag-ms/op")
		})
	}
}
