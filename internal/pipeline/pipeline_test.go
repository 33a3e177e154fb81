package pipeline

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/report"
)

// fake is a step that records its run and returns err, or waits for its
// context when block is set.
type fake struct {
	name  string
	err   error
	block bool
	ran   *[]string
}

func (f fake) String() string { return f.name }

func (f fake) Run(ctx context.Context, st *State) error {
	*f.ran = append(*f.ran, f.name)
	if f.block {
		<-ctx.Done()
		return ctx.Err()
	}
	return f.err
}

func newState(log *bytes.Buffer) *State {
	return &State{Log: zerolog.New(log), Secrets: report.NewSecrets()}
}

func TestRunStopsAtTheFirstFailureAndRecordsEachStep(t *testing.T) {
	var ran []string
	var log bytes.Buffer
	st := newState(&log)
	boom := errors.New("boom")
	err := Run(context.Background(), st, []Step{
		fake{name: "one", ran: &ran},
		fake{name: "two", err: boom, ran: &ran},
		fake{name: "three", ran: &ran},
	})
	require.ErrorIs(t, err, boom)
	require.Equal(t, []string{"one", "two"}, ran)
	require.Len(t, st.Steps, 2)
	require.Equal(t, "succeeded", st.Steps[0].Status)
	require.Equal(t, "failed", st.Steps[1].Status)
	require.Equal(t, "boom", st.Steps[1].Error)
	require.Contains(t, log.String(), `"step":"two"`)
	require.Contains(t, log.String(), `"message":"step failed"`)
}

func TestAStepsOwnDeadline(t *testing.T) {
	var ran []string
	st := newState(&bytes.Buffer{})
	err := Run(context.Background(), st, []Step{WithTimeout(fake{name: "slow", block: true, ran: &ran}, 20*time.Millisecond)})
	var de *DeadlineError
	require.ErrorAs(t, err, &de)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Equal(t, 20*time.Millisecond, de.Timeout)
	require.Contains(t, err.Error(), "the step's deadline of 20ms passed")
}

func TestTheRunsDeadline(t *testing.T) {
	var ran []string
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	err := Run(ctx, newState(&bytes.Buffer{}), []Step{WithTimeout(fake{name: "slow", block: true, ran: &ran}, time.Hour)})
	var de *DeadlineError
	require.ErrorAs(t, err, &de)
	require.Zero(t, de.Timeout, "the run's deadline, not the step's")
	require.Contains(t, err.Error(), "--timeout")
}

func TestCancellationIsNotADeadline(t *testing.T) {
	var ran []string
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := Run(ctx, newState(&bytes.Buffer{}), []Step{fake{name: "x", block: true, ran: &ran}})
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, context.DeadlineExceeded)
}

func TestStepErrorsAreRedactedInTheResult(t *testing.T) {
	var ran []string
	st := newState(&bytes.Buffer{})
	st.Secrets.Add("s3cret-value")
	_ = Run(context.Background(), st, []Step{fake{name: "x", err: errors.New("bad s3cret-value"), ran: &ran}})
	require.Equal(t, "bad [REDACTED]", st.Steps[0].Error)
}

func TestPollGrowsToItsCap(t *testing.T) {
	p := Poll{Min: 100 * time.Millisecond, Max: time.Second}
	var got []time.Duration
	d := time.Duration(0)
	for range 8 {
		d = p.Next(d)
		got = append(got, d)
	}
	require.Equal(t, []time.Duration{100 * time.Millisecond, 150 * time.Millisecond, 225 * time.Millisecond, 337500 * time.Microsecond,
		506250 * time.Microsecond, 759375 * time.Microsecond, time.Second, time.Second}, got)
}

func TestFoldWithoutAGroupIsANoOp(t *testing.T) {
	st := newState(&bytes.Buffer{})
	st.Fold("x")()
	var calls []string
	st.Group = func(title string) func() {
		calls = append(calls, "start "+title)
		return func() { calls = append(calls, "end") }
	}
	st.Fold("build B log")()
	require.Equal(t, []string{"start build B log", "end"}, calls)
}

// answering is a fake that says what its interruption leaves.
type answering struct {
	fake
	left string
}

func (a answering) Interrupted(st *State) string { return a.left + " " + st.App }

func TestLeftRunningIsTheStoppedStepsAnswer(t *testing.T) {
	t.Parallel()
	var ran []string
	boom := errors.New("interrupted")
	for name, tc := range map[string]struct {
		steps []Step
		want  string
	}{
		"the step answers": {
			steps: []Step{fake{name: "one", ran: &ran}, answering{fake{name: "renamed at will", err: boom, ran: &ran}, "release R1 may be rolling out on"}},
			want:  "release R1 may be rolling out on shop",
		},
		"through its own deadline": {
			steps: []Step{WithTimeout(answering{fake{name: "two", err: boom, ran: &ran}, "build B1 may be running on"}, time.Minute)},
			want:  "build B1 may be running on shop",
		},
		"a step with nothing to say": {
			steps: []Step{fake{name: "three", err: boom, ran: &ran}},
			want:  `The step "three" may have reached the Rack.`,
		},
		"nothing stopped": {
			steps: []Step{answering{fake{name: "four", ran: &ran}, "never said"}},
			want:  "Nothing was left running on the Rack.",
		},
	} {
		t.Run(name, func(t *testing.T) {
			var log bytes.Buffer
			st := newState(&log)
			st.App = "shop"
			_ = Run(context.Background(), st, tc.steps)
			require.Equal(t, tc.want, LeftRunning(st))
		})
	}
}
