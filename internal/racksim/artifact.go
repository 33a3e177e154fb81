package racksim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// epoch is the fixed modification time of artifact entries, so that an
// export is byte-for-byte repeatable.
var epoch = time.Unix(0, 0).UTC()

func (s *Server) buildExport(c *call) error {
	var (
		b      rack.Build
		source []byte
		svcs   []string
	)
	err := s.withApp(c, func(a *appState) error {
		bs, err := a.build(c.v("id"))
		if err != nil {
			return err
		}
		if _, err := a.release(bs.b.Release); err != nil {
			return err
		}
		names, ok := manifestServices(bs.b.Manifest)
		if !ok {
			return errorf(http.StatusBadRequest, "no services found to export")
		}
		b, source, svcs = bs.b, bs.source, names
		return nil
	})
	if err != nil {
		return err
	}
	data, err := exportArtifact(b, source, svcs)
	if err != nil {
		return err
	}
	_, err = c.w.Write(data)
	return err
}

// exportArtifact builds the gzip tar of a build export: build.json, then one
// stand-in OCI archive "<service>.<id>.tar" per service.
func exportArtifact(b rack.Build, source []byte, services []string) ([]byte, error) {
	bjson, err := json.MarshalIndent(b, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rendering build.json: %w", err)
	}
	sum := sha256.Sum256(source)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	if err := writeTarFile(tw, "build.json", bjson); err != nil {
		return nil, err
	}
	for _, svc := range services {
		img, err := ociStandIn(svc+"."+b.ID, hex.EncodeToString(sum[:]))
		if err != nil {
			return nil, err
		}
		if err := writeTarFile(tw, fmt.Sprintf("%s.%s.tar", svc, b.ID), img); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the artifact tar: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("closing the artifact gzip: %w", err)
	}
	return buf.Bytes(), nil
}

// ociStandIn is a tiny tar shaped like an OCI archive, standing in for the
// image skopeo would export.
func ociStandIn(ref, sourceSum string) ([]byte, error) {
	index, err := json.Marshal(map[string]any{
		"schemaVersion": 2,
		"manifests":     []any{},
		"annotations": map[string]string{
			"org.opencontainers.image.ref.name": ref,
			"io.convox.racksim.source":          "sha256:" + sourceSum,
		},
	})
	if err != nil {
		return nil, fmt.Errorf("rendering index.json: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := writeTarFile(tw, "oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return nil, err
	}
	if err := writeTarFile(tw, "index.json", index); err != nil {
		return nil, err
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("closing the image tar: %w", err)
	}
	return buf.Bytes(), nil
}

func writeTarFile(tw *tar.Writer, name string, data []byte) error {
	h := &tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: 0o600, Size: int64(len(data)), ModTime: epoch, Format: tar.FormatUSTAR}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("writing the tar header of %s: %w", name, err)
	}
	if _, err := tw.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", name, err)
	}
	return nil
}

// buildImport is POST /apps/{app}/builds/import: a complete build with a new
// release forked from the latest release's env. Like the real Rack it keeps
// description, manifest and logs of build.json, not its git-sha.
func (s *Server) buildImport(c *call) error {
	if err := c.lookupApp(); err != nil {
		return err
	}
	body, err := io.ReadAll(c.r.Body)
	if err != nil {
		return fmt.Errorf("reading the artifact: %w", err)
	}
	var (
		src   rack.Build
		found bool
	)
	err = readTarball(body, func(name string, r io.Reader) error {
		if name != "build.json" {
			return nil
		}
		data, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(data, &src); err != nil {
			return fmt.Errorf("build.json: %w", err)
		}
		found = true
		return nil
	})
	switch {
	case err != nil:
		return errorf(http.StatusBadRequest, "invalid build artifact: %v", err)
	case !found:
		return errorf(http.StatusBadRequest, "invalid build artifact: build.json not found")
	}
	var out rack.Build
	err = s.withApp(c, func(a *appState) error {
		now := time.Now().UTC()
		b := &buildState{
			b: rack.Build{
				ID: newID("B"), App: a.app.Name, Description: src.Description, Logs: src.Logs,
				Manifest: src.Manifest, Status: rack.BuildComplete, Started: now, Ended: now,
			},
			log: newFeed[string](),
		}
		b.log.finish()
		a.builds = append(a.builds, b)
		r := a.releaseFromBuild(b)
		b.b.Release = r.ID
		out = b.b
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}
