package report

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLiveKeepsTheStatusLineUnderTheLog(t *testing.T) {
	var out bytes.Buffer
	l := NewLive(&out)
	l.Set("uploading: 1 MB")
	l.Write([]byte("a log line\n"))
	l.Set("uploading: 2 MB")
	l.Set("")
	l.Write([]byte("after\n"))
	require.Equal(t, "\r\x1b[Kuploading: 1 MB"+"\r\x1b[Ka log line\nuploading: 1 MB"+"\r\x1b[Kuploading: 2 MB"+"\r\x1b[K"+"after\n", out.String())
}
