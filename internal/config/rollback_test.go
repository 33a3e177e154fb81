package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRollbackStep(t *testing.T) {
	lookup := func(k string) (string, bool) { return map[string]string{"GOOD": "RGOODGOODGO"}[k], k == "GOOD" }
	f, err := Parse("convox-ci.yml", []byte(`app: a
targets:
  undo:
    branches: [undo]
    rack: org/production
    steps:
      - rollback
      - rollback: {release: "${GOOD}", timeout: 5m}
`), lookup)
	require.NoError(t, err)
	st := f.Targets[0].Steps
	require.Equal(t, Step{Kind: KindRollback, Pos: st[0].Pos}, st[0])
	require.Equal(t, "rollback to the previous build", st[0].String())
	require.Equal(t, "RGOODGOODGO", st[1].Release)
	require.Equal(t, "rollback to the build of RGOODGOODGO", st[1].String())

	_, err = Parse("convox-ci.yml", []byte(`app: a
targets:
  undo:
    branches: [undo]
    rack: org/production
    steps:
      - rollback
      - promote
`), lookup)
	require.ErrorContains(t, err, "promote has nothing to promote: the rollback step at line 7 already promoted the last release")
}

// A rollback's release from a ${VAR} the environment lacks waits on the
// target, as every ${VAR} in a target does: not "release is empty" for the
// whole file (plan could not preview it; ci failed every build, matched or
// not). Written empty, it is a mistake in the file.
func TestRollbackReleaseFromAMissingVariableWaitsOnTheTarget(t *testing.T) {
	f, err := Parse("convox-ci.yml", []byte(`app: a
targets:
  undo:
    branches: [undo]
    rack: org/production
    steps:
      - rollback: {release: "${UNDO_TO}"}
`), func(string) (string, bool) { return "", false })
	require.NoError(t, err)
	require.ErrorContains(t, f.Targets[0].Err(), "convox-ci.yml:7:30: environment variable UNDO_TO (for ${UNDO_TO}) is not set")

	_, err = Parse("convox-ci.yml", []byte(`app: a
targets:
  undo:
    branches: [undo]
    rack: org/production
    steps:
      - rollback: {release: ""}
`), nil)
	require.ErrorContains(t, err, "release is empty")
}

// A blank release, as written or from a ${VAR} holding only spaces, is a
// mistake in the file, not a release id to send (GET /releases/%20) nor
// "no release" (which would roll back to the previous build instead).
func TestRollbackReleaseBlankIsAMistake(t *testing.T) {
	for name, tc := range map[string]struct{ release, val string }{
		"written blank":  {release: `" "`},
		"variable blank": {release: `"${UNDO_TO}"`, val: "  "},
		"written tab":    {release: `"\t"`},
	} {
		t.Run(name, func(t *testing.T) {
			f, err := Parse("convox-ci.yml", []byte(`app: a
targets:
  undo:
    branches: [undo]
    rack: org/production
    steps:
      - rollback: {release: `+tc.release+`}
`), func(k string) (string, bool) { return tc.val, k == "UNDO_TO" })
			if err == nil {
				err = f.Targets[0].Err()
			}
			require.ErrorContains(t, err, "release is empty")
		})
	}
}
