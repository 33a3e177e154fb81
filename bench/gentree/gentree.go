// Package gentree writes the benchmark trees: source-like text files (one in
// ten incompressible, like images), an excluded node_modules, a
// .dockerignore, and a small Convox app (convox.yml, Dockerfile) so the
// simulated Rack can build the result.
package gentree

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

// words is the vocabulary of the generated source-like text.
var words = strings.Fields(`func return if else for range package import type struct interface
	err nil ctx string int error context fmt Errorf require NoError t.Run name value
	:= == != { } ( ) [ ] // the a of to in is and config server client handler request
	response build deploy release rack app service process 0 1 2 42 true false`)

// Manifest and Dockerfile are the app files every generated tree carries.
const (
	Manifest     = "services:\n  web:\n    build: .\n    port: 3000\n"
	Dockerfile   = "FROM scratch\nCOPY . /app\n"
	Dockerignore = "node_modules\n*.log\n"
)

// Generate writes files text files totalling about size bytes into dir,
// plus files/40 excluded node_modules files of 64 KiB, the .dockerignore
// and the app files. It returns the bytes that will be packaged (file
// contents after .dockerignore). The content is the same for the same
// arguments.
func Generate(dir string, files int, size int64) (int64, error) {
	if files < 1 {
		return 0, fmt.Errorf("generating a tree: files must be at least 1")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	per := size / int64(files)
	var total int64
	var sb strings.Builder
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("pkg%02d", i%40), fmt.Sprintf("sub%d", i%7), fmt.Sprintf("file%05d.go", i))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, fmt.Errorf("generating a tree: %w", err)
		}
		n := per/2 + rng.Int64N(per+1) // uneven sizes around per
		var data []byte
		if i%10 == 9 {
			data = make([]byte, n)
			for j := range data {
				data[j] = byte(rng.Uint32())
			}
		} else {
			sb.Reset()
			for int64(sb.Len()) < n {
				sb.WriteString(words[rng.IntN(len(words))])
				if rng.IntN(12) == 0 {
					sb.WriteByte('\n')
				} else {
					sb.WriteByte(' ')
				}
			}
			data = []byte(sb.String()[:n])
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return 0, fmt.Errorf("generating a tree: %w", err)
		}
		total += n
	}
	for i := range files / 40 {
		p := filepath.Join(dir, "node_modules", fmt.Sprintf("dep%d", i), "index.js")
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return 0, fmt.Errorf("generating a tree: %w", err)
		}
		if err := os.WriteFile(p, make([]byte, 64<<10), 0o644); err != nil {
			return 0, fmt.Errorf("generating a tree: %w", err)
		}
	}
	n, err := WriteApp(dir)
	return total + n, err
}

// WriteApp writes convox.yml, Dockerfile and .dockerignore into dir and
// returns their size.
func WriteApp(dir string) (int64, error) {
	var total int64
	for name, body := range map[string]string{"convox.yml": Manifest, "Dockerfile": Dockerfile, ".dockerignore": Dockerignore} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			return 0, fmt.Errorf("writing %s: %w", name, err)
		}
		total += int64(len(body))
	}
	return total, nil
}
