package source

import (
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// DefaultManifest is the manifest the Rack reads when none is named.
const DefaultManifest = "convox.yml"

// RackFiles lists the files of the context dir that the Rack needs whatever
// .dockerignore says, as docker build always sends its Dockerfile and
// .dockerignore: the manifest (manifest, or convox.yml), the Dockerfile of
// every service it builds (the service's build path joined with its
// build.manifest, default Dockerfile, as the Rack's build does), and
// .dockerignore. Paths are slash-separated and relative to dir; a path
// leaving the context is left out. A manifest that cannot be read or
// parsed gives the manifest alone: the Rack reports what is wrong with it.
func RackFiles(dir, manifest string) []string {
	if manifest == "" {
		manifest = DefaultManifest
	}
	files := map[string]bool{".dockerignore": true}
	add := func(p string) {
		p = path.Clean(filepath.ToSlash(p))
		if p != "." && p != ".." && !strings.HasPrefix(p, "../") && !path.IsAbs(p) {
			files[p] = true
		}
	}
	add(manifest)
	if data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(manifest))); err == nil {
		for _, df := range dockerfiles(data) {
			add(df)
		}
	}
	out := make([]string, 0, len(files))
	for f := range files {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// dockerfiles reads the Dockerfile paths of a convox.yml's services, as the
// Rack's manifest loader defaults them: build "." and Dockerfile unless the
// service has only an image.
func dockerfiles(data []byte) []string {
	var doc struct {
		Services map[string]*struct {
			Build any    `yaml:"build"`
			Image string `yaml:"image"`
		} `yaml:"services"`
	}
	if yaml.Unmarshal(data, &doc) != nil {
		return nil
	}
	var out []string
	for _, s := range doc.Services {
		dir, file := ".", "Dockerfile"
		if s != nil {
			switch b := s.Build.(type) {
			case string:
				if b != "" {
					dir = b
				}
			case map[string]any:
				if p, ok := b["path"].(string); ok && p != "" {
					dir = p
				}
				if m, ok := b["manifest"].(string); ok && m != "" {
					file = m
				}
			case nil:
				if s.Image != "" {
					continue
				}
			}
		}
		out = append(out, path.Join(dir, file))
	}
	return out
}
