// Package login reads the Convox CLI's saved login, so that convox-ci works
// on a laptop after `convox login` with nothing else configured. It reads
// the v3 CLI's settings (docs/protocol.md, Choosing the Rack) and, failing those, the older
// ~/.convox/{host,auth,rack} files that Convox's API-keys page describes.
package login

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Login is where a saved login points. Password is secret.
type Login struct {
	Host     string // Console or Rack host
	Password string
	Rack     string // rack name, when one is selected
	RackURL  string // a direct rack's URL with credentials (v3 racks/<name>)
	Source   string // which files it came from, for the log
}

// Places are the directories the settings live in.
type Places struct {
	ConfigDir string // $CONVOX_CONFIG
	XDGConfig string // $XDG_CONFIG_HOME
	Home      string // the user's home directory
	WorkDir   string // for ./.convox/rack
	Darwin    bool   // macOS keeps the settings in ~/Library/Preferences/convox
}

// Dir is the v3 CLI's settings directory.
func (p Places) Dir() string {
	switch {
	case p.ConfigDir != "":
		return p.ConfigDir
	case p.Darwin && p.Home != "":
		return filepath.Join(p.Home, "Library", "Preferences", "convox")
	case p.XDGConfig != "":
		return filepath.Join(p.XDGConfig, "convox")
	case p.Home != "":
		return filepath.Join(p.Home, ".config", "convox")
	}
	return ""
}

// Find returns the saved login, or ok=false when there is none.
func Find(p Places) (Login, bool, error) {
	if l, ok, err := findV3(p); err != nil || ok {
		return l, ok, err
	}
	return findLegacy(p)
}

func findV3(p Places) (Login, bool, error) {
	dir := p.Dir()
	if dir == "" {
		return Login{}, false, nil
	}
	name, nameSrc, err := rackName(p, dir)
	if err != nil {
		return Login{}, false, err
	}
	if name != "" {
		if u, err := readTrim(filepath.Join(dir, "racks", name)); err == nil && u != "" {
			return Login{RackURL: u, Rack: name, Source: filepath.Join(dir, "racks", name)}, true, nil
		}
	}
	host, err := readTrim(filepath.Join(dir, "console"))
	if errors.Is(err, fs.ErrNotExist) || host == "" {
		return Login{}, false, nil
	}
	if err != nil {
		return Login{}, false, err
	}
	auth, err := readAuth(filepath.Join(dir, "auth"))
	if err != nil {
		return Login{}, false, err
	}
	pw, ok := auth[host]
	if !ok || pw == "" {
		return Login{}, false, nil
	}
	src := filepath.Join(dir, "console") + ", " + filepath.Join(dir, "auth")
	if nameSrc != "" {
		src += ", " + nameSrc
	}
	return Login{Host: host, Password: pw, Rack: name, Source: src}, true, nil
}

// rackName resolves the selected rack as the v3 CLI does: ./.convox/rack,
// then the settings file rack, then current's name.
func rackName(p Places, dir string) (string, string, error) {
	if p.WorkDir != "" {
		f := filepath.Join(p.WorkDir, ".convox", "rack")
		if v, err := readTrim(f); err == nil && v != "" {
			return v, f, nil
		}
	}
	f := filepath.Join(dir, "rack")
	if v, err := readTrim(f); err == nil && v != "" {
		return v, f, nil
	}
	f = filepath.Join(dir, "current")
	data, err := os.ReadFile(f)
	if errors.Is(err, fs.ErrNotExist) {
		return "", "", nil
	}
	if err != nil {
		return "", "", err
	}
	var cur struct {
		Name string `json:"name"`
	}
	if err := json.Unmarshal(data, &cur); err != nil {
		return "", "", fmt.Errorf("reading %s: not the Convox CLI's JSON: %w", f, err)
	}
	return cur.Name, f, nil
}

// findLegacy reads ~/.convox/auth (a JSON map of host to key), the current
// host from ~/.convox/host (or the only entry of auth), and ~/.convox/rack.
func findLegacy(p Places) (Login, bool, error) {
	if p.Home == "" {
		return Login{}, false, nil
	}
	dir := filepath.Join(p.Home, ".convox")
	auth, err := readAuth(filepath.Join(dir, "auth"))
	if err != nil || len(auth) == 0 {
		return Login{}, false, err
	}
	host, _ := readTrim(filepath.Join(dir, "host"))
	if host == "" && len(auth) == 1 {
		for h := range auth {
			host = h
		}
	}
	if host == "" {
		return Login{}, false, fmt.Errorf("%s holds several hosts and %s names none: set CONVOX_HOST", filepath.Join(dir, "auth"), filepath.Join(dir, "host"))
	}
	pw := auth[host]
	if pw == "" {
		return Login{}, false, nil
	}
	rack, _ := readTrim(filepath.Join(dir, "rack"))
	return Login{Host: host, Password: pw, Rack: rack, Source: filepath.Join(dir, "auth")}, true, nil
}

func readAuth(path string) (map[string]string, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	auth := map[string]string{}
	if err := json.Unmarshal(data, &auth); err != nil {
		// never quote the file: it holds keys
		return nil, fmt.Errorf("reading %s: not a JSON map of host to key", path)
	}
	return auth, nil
}

func readTrim(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(b)), nil
}
