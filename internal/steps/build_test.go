package steps

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/convox-ci/convox-ci/internal/pipeline"
)

// The real build runner never sets a failed build's reason: its cause is the
// log's "ERROR: " line (the first and only frame when convox.yml is missing).
func TestFailedBuildTakesItsReasonFromTheLog(t *testing.T) {
	for _, tc := range []struct {
		name       string
		files      map[string]string
		failNext   string
		wantReason string
	}{
		{name: "no convox.yml: the first and only frame", files: map[string]string{"Dockerfile": "FROM scratch\n"},
			wantReason: `^open /tmp/\d+/convox\.yml: no such file or directory$`},
		{name: "a failing step: the last line", files: map[string]string{"Dockerfile": "FROM scratch\nRUN make\n", "convox.yml": "services:\n  web:\n    build: .\n"},
			failNext: "exit status 2", wantReason: `^build failed: exit status 2$`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLossyRack(t)
			if tc.failNext != "" {
				l.sim.FailNextBuild(simApp, tc.failNext)
			}
			dir := t.TempDir()
			for name, content := range tc.files {
				require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644))
			}
			st := l.state(t)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			err := pipeline.Run(ctx, st, []pipeline.Step{Build{Dir: dir}})
			var bf *BuildFailedError
			require.True(t, errors.As(err, &bf), "got %v", err)
			require.Regexp(t, tc.wantReason, bf.Reason)
			require.Empty(t, l.sim.Rack("").Builds(simApp)[0].Reason, "the Rack itself left reason empty")
			require.Contains(t, st.Steps[0].Error, bf.Reason, "the result carries the cause")
		})
	}
}
