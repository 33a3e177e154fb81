package source_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"github.com/convox-ci/convox-ci/internal/source"
)

func ExamplePackage() {
	dir, err := os.MkdirTemp("", "context")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte("FROM scratch\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "debug.log"), []byte("noise\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, ".dockerignore"), []byte("*.log\n"), 0o644)

	stats, err := source.Package(context.Background(), source.Options{Dir: dir}, io.Discard)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stats.Files, "files,", stats.Excluded, "excluded")
	// Output: 2 files, 1 excluded
}
