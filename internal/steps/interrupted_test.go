package steps

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/pipeline"
)

// Every step says what its interruption leaves, whatever its display name.
func TestEveryStepSaysWhatAnInterruptionLeaves(t *testing.T) {
	t.Parallel()
	for _, s := range []pipeline.Step{Build{}, Promote{}, Rollback{}, Env{}, Run{}, RunDetached{}, Import{}, ImportStream{}, Export{}, ExportFile{}} {
		i, ok := s.(pipeline.Interrupter)
		require.True(t, ok, "%T answers pipeline.Interrupter", s)
		require.NotEmpty(t, i.Interrupted(&pipeline.State{RackName: "org/staging", App: "shop"}), "%T", s)
	}
}

func TestInterruptedNamesWhatTheStepMade(t *testing.T) {
	t.Parallel()
	st := &pipeline.State{RackName: "org/staging", App: "shop"}
	require.Contains(t, Promote{Release: "RNAMED"}.Interrupted(st), "Release RNAMED may still be rolling out on rack org/staging, app shop")
	require.Contains(t, Build{}.Interrupted(st), "[convox-ci:...] marker")

	st.BuildID, st.ReleaseID = "BMADE", "RMADE"
	require.Contains(t, Build{}.Interrupted(st), "Build BMADE may still be running")
	require.Contains(t, Promote{}.Interrupted(st), "Release RMADE may still be rolling out")
	require.Contains(t, Env{Promote: true}.Interrupted(st), "Release RMADE may still be rolling out")
	require.Contains(t, Env{}.Interrupted(st), "it was not promoted")
}
