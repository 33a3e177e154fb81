package racksim

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// sanitizeObjectKey is the Rack's key check: no ".." segment, not empty.
func sanitizeObjectKey(key string) (string, error) {
	cleaned := strings.TrimPrefix(path.Clean("/"+key), "/")
	if cleaned == "" || cleaned == "." || strings.TrimSpace(cleaned) == "" {
		return "", errorf(http.StatusBadRequest, "invalid object key")
	}
	for _, seg := range strings.Split(key, "/") {
		if seg == ".." {
			return "", errorf(http.StatusBadRequest, "invalid object key")
		}
	}
	return cleaned, nil
}

func (s *Server) objectStore(c *call) error {
	key, err := sanitizeObjectKey(c.v("key"))
	if err != nil {
		return err
	}
	if err := c.lookupApp(); err != nil {
		return err
	}
	var buf bytes.Buffer
	if _, err := io.Copy(&buf, c.r.Body); err != nil {
		return fmt.Errorf("reading the object body: %w", err)
	}
	app := c.v("app")
	if err := s.withApp(c, func(a *appState) error { a.objects[key] = buf.Bytes(); return nil }); err != nil {
		return err
	}
	return renderJSON(c.w, rack.Object{URL: fmt.Sprintf("object://%s/%s", app, key)})
}

func (s *Server) objectFetch(c *call) error {
	key, err := sanitizeObjectKey(c.v("key"))
	if err != nil {
		return err
	}
	var data []byte
	err = s.withApp(c, func(a *appState) error {
		d, ok := a.objects[key]
		if !ok {
			return notFound("object not found: %s", key)
		}
		data = d
		return nil
	})
	if err != nil {
		return err
	}
	_, err = c.w.Write(data)
	return err
}

// objectExists answers 200 with a JSON boolean (a HEAD answer has no body).
func (s *Server) objectExists(c *call) error {
	key, err := sanitizeObjectKey(c.v("key"))
	if err != nil {
		return err
	}
	var ok bool
	if err := s.withApp(c, func(a *appState) error { _, ok = a.objects[key]; return nil }); err != nil {
		return err
	}
	return renderJSON(c.w, ok)
}

func (s *Server) objectDelete(c *call) error {
	key, err := sanitizeObjectKey(c.v("key"))
	if err != nil {
		return err
	}
	err = s.withApp(c, func(a *appState) error {
		if _, ok := a.objects[key]; !ok {
			return notFound("object not found: %s", key)
		}
		delete(a.objects, key)
		return nil
	})
	if err != nil {
		return err
	}
	return renderOK(c.w)
}

// objectKey splits "object://<app>/<key>".
func objectKey(url string) (app, key string, ok bool) {
	rest, found := strings.CutPrefix(url, "object://")
	if !found {
		return "", "", false
	}
	app, key, ok = strings.Cut(rest, "/")
	return app, key, ok && app != "" && key != ""
}
