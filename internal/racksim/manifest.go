package racksim

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"

	"github.com/goccy/go-yaml"
)

// service is what the simulator needs from a convox.yml service.
type service struct {
	name       string
	buildPath  string // "" for an image-only service
	dockerfile string
	port       int  // the main container port, 0 for none
	internal   bool // not behind the router
}

type serviceDoc struct {
	Build    any    `yaml:"build"`
	Image    string `yaml:"image"`
	Port     any    `yaml:"port"` // 3000 or "https:3000"
	Internal bool   `yaml:"internal"`
}

// parseManifest reads the services of a convox.yml, sorted by name as the
// Convox manifest loader sorts them.
func parseManifest(data []byte) ([]service, error) {
	var doc struct {
		Services map[string]*serviceDoc `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("invalid manifest: %w", err)
	}
	var out []service
	for _, name := range sortedKeys(doc.Services) {
		sd := doc.Services[name]
		svc := service{name: name, buildPath: ".", dockerfile: "Dockerfile"}
		if sd != nil {
			switch b := sd.Build.(type) {
			case string:
				svc.buildPath = b
			case map[string]any:
				if p, ok := b["path"].(string); ok && p != "" {
					svc.buildPath = p
				}
				if m, ok := b["manifest"].(string); ok && m != "" {
					svc.dockerfile = m
				}
			case nil:
				if sd.Image != "" {
					svc.buildPath = ""
				}
			}
		}
		if sd != nil {
			svc.internal = sd.Internal
			switch p := sd.Port.(type) {
			case uint64:
				svc.port = int(p)
			case int64:
				svc.port = int(p)
			case string:
				_, num, _ := strings.Cut(p, ":")
				if num == "" {
					num = p
				}
				if n, err := parseInt(num); err == nil {
					svc.port = n
				}
			}
		}
		out = append(out, svc)
	}
	return out, nil
}

// manifestServices lists the service names of a manifest; ok is false when
// the manifest cannot be read or names none.
func manifestServices(manifest string) ([]string, bool) {
	svcs, err := parseManifest([]byte(manifest))
	if err != nil || len(svcs) == 0 {
		return nil, false
	}
	names := make([]string, 0, len(svcs))
	for _, s := range svcs {
		names = append(names, s.name)
	}
	return names, true
}

// dockerSteps returns a Dockerfile's instructions as docker prints them,
// continuation lines joined, comments and parser directives skipped.
func dockerSteps(data []byte) []string {
	var steps []string
	var cur strings.Builder
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if cur.Len() == 0 && (line == "" || strings.HasPrefix(line, "#")) {
			continue
		}
		if cur.Len() > 0 && strings.HasPrefix(line, "#") {
			continue
		}
		if strings.HasSuffix(line, "\\") {
			cur.WriteString(strings.TrimSpace(strings.TrimSuffix(line, "\\")))
			cur.WriteString(" ")
			continue
		}
		cur.WriteString(line)
		if s := strings.TrimSpace(cur.String()); s != "" {
			steps = append(steps, s)
		}
		cur.Reset()
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		steps = append(steps, s)
	}
	return steps
}

// buildUnit is one docker build of a build: a context path and Dockerfile,
// shared by the services naming them.
type buildUnit struct {
	path       string
	dockerfile string
	steps      []string
	services   []string
}

// buildPlan is what a source tarball says a build will do.
type buildPlan struct {
	manifest string
	services []service
	units    []buildUnit
}

// readTarball calls fn for every regular file of a gzip tar.
func readTarball(tgz []byte, fn func(name string, r io.Reader) error) error {
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return err
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		if err := fn(strings.TrimPrefix(path.Clean(h.Name), "/"), tr); err != nil {
			return err
		}
	}
}

// planBuild reads the tarball the way the build pod does: the manifest, then
// each service's Dockerfile. The error is the build's failure reason.
func planBuild(tgz []byte, manifestPath string) (buildPlan, error) {
	var plan buildPlan
	manifestPath = path.Clean(manifestPath)
	found := false
	err := readTarball(tgz, func(name string, r io.Reader) error {
		if name != manifestPath {
			return nil
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		plan.manifest, found = string(data), true
		return nil
	})
	if err != nil {
		return plan, fmt.Errorf("invalid source archive: %w", err)
	}
	if !found {
		// the build pod's os.ReadFile in the source it extracted into a
		// fresh os.MkdirTemp directory (pkg/build execute)
		return plan, fmt.Errorf("open /tmp/%d/%s: no such file or directory", 1000000000+randInt(1000000000), manifestPath)
	}
	svcs, err := parseManifest([]byte(plan.manifest))
	if err != nil {
		return plan, err
	}
	plan.services = svcs
	byFile := map[string]*buildUnit{}
	for _, svc := range svcs {
		if svc.buildPath == "" {
			continue
		}
		file := path.Clean(path.Join(svc.buildPath, svc.dockerfile))
		u, ok := byFile[file]
		if !ok {
			u = &buildUnit{path: svc.buildPath, dockerfile: file}
			byFile[file] = u
		}
		u.services = append(u.services, svc.name)
	}
	err = readTarball(tgz, func(name string, r io.Reader) error {
		u, ok := byFile[name]
		if !ok {
			return nil
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		u.steps = dockerSteps(data)
		if u.steps == nil {
			u.steps = []string{}
		}
		return nil
	})
	if err != nil {
		return plan, fmt.Errorf("invalid source archive: %w", err)
	}
	files := sortedKeys(byFile)
	sort.SliceStable(files, func(i, j int) bool { return byFile[files[i]].services[0] < byFile[files[j]].services[0] })
	for _, f := range files {
		u := byFile[f]
		if u.steps == nil {
			return plan, fmt.Errorf("no such file: %s", u.dockerfile)
		}
		plan.units = append(plan.units, *u)
	}
	return plan, nil
}

// logLines are the build log lines of a successful plan, as in the wire
// transcripts: "Building: <path>", "Step i/N : <instruction>", one
// "Running: docker push" per built service, then "Build complete".
func (p buildPlan) logLines() []string {
	var lines []string
	pushes := 0
	for _, u := range p.units {
		lines = append(lines, "Building: "+u.path)
		for i, st := range u.steps {
			lines = append(lines, stepLine(i, len(u.steps), st))
		}
		pushes += len(u.services)
	}
	for range pushes {
		lines = append(lines, "Running: docker push")
	}
	return append(lines, "Build complete")
}
