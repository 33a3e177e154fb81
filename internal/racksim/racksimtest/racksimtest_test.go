package racksimtest

import (
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/racksim"
)

func TestStartServesTheRackUntilTheTestEnds(t *testing.T) {
	t.Parallel()
	var url string
	t.Run("inner", func(t *testing.T) {
		sim, u := Start(t, racksim.Options{Password: "pw", Apps: []string{"shop"}})
		url = u
		resp, err := http.Get(u + "/check")
		require.NoError(t, err)
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		require.Equal(t, "ok", string(body))
		_, ok := sim.Rack("").App("shop")
		require.True(t, ok)
	})
	_, err := http.Get(url + "/check")
	require.Error(t, err, "closed with its test")
}

func TestStartBehindPutsTheWrapperInFront(t *testing.T) {
	t.Parallel()
	var seen atomic.Int64
	_, u := StartBehind(t, racksim.Options{Password: "pw"}, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			seen.Add(1)
			next.ServeHTTP(w, r)
		})
	})
	resp, err := http.Get(u + "/check")
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, int64(1), seen.Load())
}

func TestQuickKeepsWhatIsGiven(t *testing.T) {
	t.Parallel()
	o := Quick(racksim.Options{RolloutDuration: time.Minute})
	require.Equal(t, time.Minute, o.RolloutDuration)
	require.Equal(t, 30*time.Millisecond, o.BuildDuration)
	require.Equal(t, 5*time.Millisecond, o.ProcessStartDelay)
}

func TestBufferTakesConcurrentWrites(t *testing.T) {
	t.Parallel()
	var b Buffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_, _ = b.Write([]byte("x"))
				_ = b.String()
			}
		})
	}
	wg.Wait()
	require.Len(t, b.Bytes(), 800)
}
