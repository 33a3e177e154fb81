package wiretest

import (
	"bytes"
	"testing"
)

func BenchmarkParseDeploy(b *testing.B) {
	data, err := Raw("deploy")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Parse("deploy", bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}
