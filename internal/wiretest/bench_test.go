package wiretest

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkParseDeploy(b *testing.B) {
	dir, err := Dir()
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, "deploy.txt"))
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
