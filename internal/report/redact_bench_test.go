package report

import (
	"fmt"
	"io"
	"strings"
	"testing"
)

// benchSecrets is a run's worth of secrets: a password, a key in a URL,
// a few env values.
func benchSecrets() *Secrets {
	s := NewSecrets()
	s.Add(hostilePassword)
	for i := 0; i < 9; i++ {
		s.Add(fmt.Sprintf("env-secret-value-%02d", i))
	}
	return s
}

// BenchmarkLogEvent is the cost of one JSON log line through the
// free-text redaction (decode, redact message and error, re-encode).
func BenchmarkLogEvent(b *testing.B) {
	log, _ := NewLogger(io.Discard, LogOptions{Format: "json"}, benchSecrets())
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		log.Info().Str("build", "BABCDEFGHIJ").Str("stream", "build").Msg("Step 3/9 : RUN npm ci --no-audit --loglevel=warn")
	}
}

// BenchmarkBuildLogLines is the throughput of remote output through the
// line splitter and redactor (80-byte lines).
func BenchmarkBuildLogLines(b *testing.B) {
	s := benchSecrets()
	chunk := []byte(strings.Repeat(strings.Repeat("x", 79)+"\n", 1<<10))
	l := LineWriter(s, func(string) {})
	b.SetBytes(int64(len(chunk)))
	for i := 0; i < b.N; i++ {
		_, _ = l.Write(chunk)
	}
}
