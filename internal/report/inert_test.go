package report

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

// A server's text in a console line cannot clear the screen, move the
// cursor, or start a line of its own; colour stays.
func TestConsoleFreeTextIsInert(t *testing.T) {
	var out bytes.Buffer
	log, err := NewLogger(&out, LogOptions{Format: "console"}, NewSecrets())
	require.NoError(t, err)
	log.Info().Msg("\x1b[2J\x1b[1;31mred\x1b[0m\tok\rforged\n::add-mask::x\x1b]0;title\x07\u009b2J\x7f")
	log.Error().Str("reason", "a\x1b[Hb").Msg("failed")
	require.Contains(t, out.String(), ` INF \x1b[2J`+"\x1b[1;31mred\x1b[0m\tok"+`\rforged`+"\n  | "+`::add-mask::x\x1b]0;title\a\u009b2J\x7f`+"\n")
	require.Contains(t, out.String(), `reason="a\x1b[Hb"`)
}
