package report

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// hostilePassword mixes every escape class: JSON and Go quoting (" \),
// HTML escapes (< > &), URL escapes (% : /) and non-ASCII (é).
const hostilePassword = `pa<ss"wo\rd&1%40:/é`

// everyForm is every way a value can show in text.
func everyForm(v string) map[string]string {
	j, _ := json.Marshal(v)
	var noHTML bytes.Buffer
	enc := json.NewEncoder(&noHTML)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return map[string]string{
		"raw":               v,
		"json":              string(j[1 : len(j)-1]),
		"json without html": strings.TrimSuffix(noHTML.String(), "\n")[1 : noHTML.Len()-2],
		"%q":                fmt.Sprintf("%q", v),
		"%+q":               fmt.Sprintf("%+q", v),
		"query":             url.QueryEscape(v),
		"path segment":      url.PathEscape(v),
		"path":              (&url.URL{Path: "/x/" + v}).EscapedPath(),
		"userinfo":          url.UserPassword("convox", v).String(),
		"base64":            base64.StdEncoding.EncodeToString([]byte(v)),
		"basic auth":        "Basic " + base64.StdEncoding.EncodeToString([]byte("convox:"+v)),
	}
}

func TestSecretsRedactEveryFormInFreeText(t *testing.T) {
	for _, secret := range []string{hostilePassword, "zero\u200bwidth\x01ctl", "tab\there€", "RELEASE"} {
		s := NewSecrets()
		s.Add(secret)
		for name, form := range everyForm(secret) {
			got := s.String("before " + form + " after")
			require.NotContains(t, got, secret, "%s form of %q", name, secret)
			require.Contains(t, got, Redacted, "%s form of %q: %s", name, secret, got)
			for other, f := range everyForm(secret) {
				require.NotContains(t, got, f, "%s form of %q leaves its %s form", name, secret, other)
			}
		}
	}
}

func TestMultiLineSecretIsMatchedAndAnnouncedLineByLine(t *testing.T) {
	s := NewSecrets()
	var masked []string
	s.OnAdd(func(v string) { masked = append(masked, v) })
	key := "-----BEGIN KEY-----\nAAAAbbbbCCCC\r\nxy\n-----END KEY-----"
	s.Add(key, "ab", key)
	require.Equal(t, []string{"-----BEGIN KEY-----", "AAAAbbbbCCCC", "-----END KEY-----"}, masked,
		"each line announced once (one ::add-mask:: masks one line); short lines and short values are not")
	for _, line := range []string{"-----BEGIN KEY-----", "AAAAbbbbCCCC", "-----END KEY-----"} {
		require.Equal(t, "> "+Redacted, s.String("> "+line))
	}
	require.Equal(t, "xy ab", s.String("xy ab"), "values shorter than 4 characters are not matched")
}

func TestOverlappingSecretsAreHiddenWhole(t *testing.T) {
	s := NewSecrets()
	s.Add("abcdef-1", "ef-1234567")
	require.Equal(t, "x "+Redacted+" y", s.String("x abcdef-1234567 y"), "no tail of the second secret shows")
	require.Equal(t, Redacted+" "+Redacted, s.String("abcdef-1 ef-1234567"))
}

func TestBasicAuthOfAnotherUserIsMatched(t *testing.T) {
	s := NewSecrets()
	s.AddBasicAuth("jwt", "token-abcdef")
	header := "Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte("jwt:token-abcdef"))
	require.Equal(t, "Authorization: Basic "+Redacted, s.String(header))
}

func TestTruncateRedactsBeforeCutting(t *testing.T) {
	s := NewSecrets()
	s.Add("CUT-ME-0123456789")
	text := strings.Repeat("x", 95) + "CUT-ME-0123456789" + strings.Repeat("y", 50)
	got := s.Truncate(text, 100)
	require.NotContains(t, got, "CUT-M", "no half of a secret is left by the cut")
	require.True(t, strings.HasPrefix(got, strings.Repeat("x", 95)+"[RED"), got)
	require.Equal(t, "é...", s.Truncate("éé", 3), "the cut keeps whole characters")
}

func TestLongLineIsCutWhereNoSecretIsSplit(t *testing.T) {
	secret := "LONG-LINE-SECRET-42"
	for _, at := range []int{maxLine - 10, maxLine - 1, maxLine, maxLine + 3} {
		s := NewSecrets()
		s.Add(secret)
		var pieces []string
		l := LineWriter(s, func(line string) { pieces = append(pieces, line) })
		line := strings.Repeat("a", at) + secret + strings.Repeat("b", 3*maxLine)
		for i := 0; i < len(line); i += 1000 { // arriving in frames, as a stream does
			_, _ = l.Write([]byte(line[i:min(i+1000, len(line))]))
		}
		l.Flush()
		require.Greater(t, len(pieces), 1, "a line with no end is emitted in pieces")
		require.Equal(t, strings.Repeat("a", at)+Redacted+strings.Repeat("b", 3*maxLine), strings.Join(pieces, ""),
			"secret at %d: redacted whole, never printed in halves", at)
		for _, p := range pieces {
			require.LessOrEqual(t, len(p), maxLine+100, "pieces stay near 64 KiB")
		}
	}
}

func TestLinesSplitsAcrossWritesAndRedacts(t *testing.T) {
	s := NewSecrets()
	s.Add("split-secret")
	var got []string
	l := LineWriter(s, func(line string) { got = append(got, line) })
	_, _ = l.Write([]byte("one split-se"))
	_, _ = l.Write([]byte("cret\r\ntwo\nthr"))
	_, _ = l.Write([]byte("ee"))
	l.Flush()
	require.Equal(t, []string{"one " + Redacted, "two", "three"}, got)
}

// decodeLines parses every line of a JSON log, failing on any that is not JSON.
func decodeLines(t *testing.T, out string) []map[string]any {
	t.Helper()
	var events []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		var ev map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &ev), "not JSON: %s", line)
		events = append(events, ev)
	}
	return events
}

func TestJSONLogRedactsFreeTextOnlyAndStaysValid(t *testing.T) {
	var b bytes.Buffer
	s := NewSecrets()
	// Secrets equal to words our keys and fields hold.
	s.Add("info", "true", "RELEASE", "level", "message", "build", hostilePassword)
	log, err := NewLogger(&b, LogOptions{Format: "json", Level: "trace"}, s)
	require.NoError(t, err)
	log.Info().Bool("replace", true).Strs("keys", []string{"RELEASE"}).Str("build", "B1").Msg("environment set with info")
	log.Trace().Str("stream", "build").Msg(`Step 2/2 : RUN echo "` + hostilePassword + `"`)
	log.Error().Err(fmt.Errorf("server said %q", hostilePassword)).Msg("step failed")

	events := decodeLines(t, b.String())
	require.Len(t, events, 3)
	require.Equal(t, "info", events[0]["level"])
	require.Equal(t, true, events[0]["replace"])
	require.Equal(t, []any{"RELEASE"}, events[0]["keys"])
	require.Equal(t, "B1", events[0]["build"])
	require.Equal(t, "environment set with "+Redacted, events[0]["message"])
	require.Equal(t, "build", events[1]["stream"], "a computed field is written as it is")
	require.Equal(t, `Step 2/2 : RUN echo "`+Redacted+`"`, events[1]["message"])
	require.Equal(t, `server said "`+Redacted+`"`, events[2]["error"])
	for name, form := range everyForm(hostilePassword) {
		require.NotContains(t, b.String(), form, name)
	}
}

func TestConsoleLogRedactsEveryFormOfAnUnprintableSecret(t *testing.T) {
	secret := "zero\u200bwidth\x7fsecret"
	var b bytes.Buffer
	s := NewSecrets()
	s.Add(secret)
	log, err := NewLogger(&b, LogOptions{Format: "console", Level: "trace"}, s)
	require.NoError(t, err)
	log.Warn().Err(fmt.Errorf("bad %s", secret)).Msg("remote said " + secret)
	require.Equal(t, 2, strings.Count(b.String(), Redacted), b.String())
	for name, form := range everyForm(secret) {
		require.NotContains(t, b.String(), form, name)
	}
	require.NotContains(t, b.String(), strconv.Quote(secret)[1:10])
}

func TestLoggerKeepsEventsThatAreNotJSONObjectsRedacted(t *testing.T) {
	var b bytes.Buffer
	s := NewSecrets()
	s.Add("raw-secret")
	w := &fieldRedactor{s: s, w: &b}
	_, _ = w.Write([]byte("not json raw-secret\n"))
	require.Equal(t, "not json "+Redacted+"\n", b.String())

}

// A status is a state the Rack sent (promote's warning about an app whose
// status is neither running, updating nor rollback): free text from a
// server, redacted as the message is.
func TestJSONLogRedactsAStatusTheRackSent(t *testing.T) {
	var b bytes.Buffer
	s := NewSecrets()
	s.Add(hostilePassword)
	log, err := NewLogger(&b, LogOptions{Format: "json", Level: "trace"}, s)
	require.NoError(t, err)
	log.Warn().Str("status", "odd "+hostilePassword).Str("release", "R1").Msg("the app's status is odd")
	events := decodeLines(t, b.String())
	require.Len(t, events, 1)
	require.Equal(t, "odd "+Redacted, events[0]["status"])
	require.Equal(t, "R1", events[0]["release"])
	for name, form := range everyForm(hostilePassword) {
		require.NotContains(t, b.String(), form, name)
	}
}
