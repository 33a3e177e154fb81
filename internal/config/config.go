package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// File is a loaded and checked rules file.
type File struct {
	Path    string
	App     string        // the default app; "" when every target names its own
	Timeout time.Duration // the overall deadline; 0 for none
	Targets []Target      // in file order
}

// Target is one named rule: when it applies, where it deploys, what it does.
type Target struct {
	Name         string
	Branches     []string // glob patterns matched against the branch (the base branch on pull requests)
	Tags         []string // glob patterns matched against the tag
	PullRequests bool     // pull request builds may match Branches
	Rack         string
	Conn         Connection    // the target's own host and password, if it sets them
	App          string        // the target's app, else the file's
	Timeout      time.Duration // the target's deadline, else the file's; 0 for none
	Steps        []Step
	Pos          Pos // where the target's name is
	// Secrets are the values of the ${VAR}s in the target's env values,
	// build args and run commands: they come from the CI's environment, so they are
	// secrets, to register before anything runs. A ${VAR} in rack, app or
	// from names a place and is not here; values written literally in the
	// file are in the repository and are not secrets.
	Secrets Values

	unresolved *Error // the first ${VAR} the environment could not fill
}

// Err returns the first ${VAR} in the target that the environment left
// missing or empty, as an *Error, or nil. Such a target must not run.
func (t *Target) Err() error {
	if t.unresolved == nil {
		return nil
	}
	return t.unresolved
}

// Step kinds.
const (
	KindBuild    = "build"    // build the app from the working directory
	KindDeploy   = "deploy"   // build, then promote that release
	KindPromote  = "promote"  // promote the release made by the last build, env or import
	KindRun      = "run"      // run a one-off command
	KindEnv      = "env"      // set environment variables (a new release)
	KindImport   = "import"   // copy this commit's build from another rack
	KindExport   = "export"   // save the build to a file
	KindRollback = "rollback" // put an earlier build live again
)

// Kinds lists the step kinds in the order the documentation gives them.
var Kinds = []string{KindBuild, KindDeploy, KindPromote, KindRun, KindEnv, KindImport, KindExport, KindRollback}

// Step is one thing a target does. Only the fields of its Kind are set.
type Step struct {
	Kind string

	Service string   // run
	Command []string // run: the command's words, ${VAR}s expanded
	Written []string // run: the command's words as written (${VAR}s unexpanded), to show
	Release string   // run: the release to run against ("" for the app's current one); rollback: whose build to put back ("" for the previous build)

	Replace bool     // env: the values are the whole environment
	Promote bool     // env: promote the new release
	Env     []EnvVar // env: in file order, ${VAR}s resolved

	From     string     // import: the rack holding the build
	FromConn Connection // import: that rack's own host and password, if set
	FromApp  string     // import: the app on that rack (the target's app unless given)

	File string // export: where to write the build

	Manifest    string   // build, deploy: path of convox.yml in the directory; "" for the Rack's default
	Description string   // build, deploy: the build's description; "" for the default (commit, ref, CI build)
	NoCache     bool     // build, deploy: build without the layer cache
	BuildArgs   []EnvVar // build, deploy: Docker build arguments in file order, ${VAR}s resolved (values are secret)

	Timeout time.Duration // this step's own deadline; 0 for none
	Pos     Pos
}

// String describes the step for people, without any environment value: a
// run command as written, ${VAR}s unexpanded.
func (s Step) String() string {
	switch s.Kind {
	case KindRun:
		words := s.Written
		if words == nil {
			words = s.Command
		}
		str := fmt.Sprintf("run %s: %s", s.Service, strings.Join(words, " "))
		if s.Release != "" {
			str += " (release " + s.Release + ")"
		}
		return str
	case KindEnv:
		keys := make([]string, len(s.Env))
		for i, v := range s.Env {
			keys[i] = v.Key
		}
		str := "env " + strings.Join(keys, ", ")
		if s.Replace {
			str += " (replace)"
		}
		if s.Promote {
			str += " then promote"
		}
		return str
	case KindImport:
		return fmt.Sprintf("import from %s (app %s)", s.From, s.FromApp)
	case KindExport:
		return "export to " + s.File
	case KindRollback:
		if s.Release != "" {
			return "rollback to the build of " + s.Release
		}
		return "rollback to the previous build"
	case KindBuild, KindDeploy:
		var opts []string
		if s.Manifest != "" {
			opts = append(opts, "manifest "+s.Manifest)
		}
		if s.NoCache {
			opts = append(opts, "no cache")
		}
		if len(s.BuildArgs) > 0 {
			keys := make([]string, len(s.BuildArgs))
			for i, a := range s.BuildArgs {
				keys[i] = a.Key
			}
			opts = append(opts, "build args "+strings.Join(keys, ", "))
		}
		if s.Description != "" {
			opts = append(opts, fmt.Sprintf("description %q", s.Description))
		}
		if len(opts) > 0 {
			return s.Kind + " (" + strings.Join(opts, "; ") + ")"
		}
	}
	return s.Kind
}

// Connection is a Rack reached with credentials of its own (one Rack API
// key per Rack) rather than the global CONVOX_HOST/CONVOX_PASSWORD; each
// field left empty falls back to the global setting.
type Connection struct {
	Host     string // a Rack's host or URL, as CONVOX_HOST takes it
	Password string // secret: only ever from a ${VAR}
}

// String hides the password, and a key inside the host, from %v (also
// inside a Target printed with %+v).
func (c Connection) String() string { return c.GoString() }

// GoString hides the password, and a key inside the host, from %#v.
func (c Connection) GoString() string {
	host := c.Host
	if key, ok := hostKey(host); ok {
		host = strings.Replace(host, ":"+key+"@", ":<redacted>@", 1)
	}
	return fmt.Sprintf("config.Connection{Host:%q, Password:<redacted>}", host)
}

// EnvVar is one environment assignment. Value is secret: String, GoString
// and MarshalJSON show only the key.
type EnvVar struct {
	Key, Value string
}

// String shows the key and hides the value.
func (v EnvVar) String() string { return v.Key + "=<redacted>" }

// GoString hides the value from %#v.
func (v EnvVar) GoString() string {
	return fmt.Sprintf("config.EnvVar{Key:%q, Value:<redacted>}", v.Key)
}

// MarshalJSON hides the value from JSON output.
func (v EnvVar) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Key   string `json:"key"`
		Value string `json:"value"`
	}{v.Key, "<redacted>"})
}

// Values are secret values: String, GoString and MarshalJSON show only how
// many there are.
type Values []string

// String hides the values.
func (v Values) String() string { return fmt.Sprintf("<%d secret values>", len(v)) }

// GoString hides the values from %#v.
func (v Values) GoString() string { return v.String() }

// MarshalJSON hides the values from JSON output.
func (v Values) MarshalJSON() ([]byte, error) { return json.Marshal(v.String()) }

// Secrets are the values of the ${VAR}s in every target's env values, run
// commands, build args and passwords (Target.Secrets), each once.
func (f *File) Secrets() []string {
	var out []string
	seen := map[string]bool{}
	for _, t := range f.Targets {
		for _, v := range t.Secrets {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
	}
	return out
}

// Pos is a position in the rules file, both counted from 1.
type Pos struct {
	Line, Column int
}

// Load reads and checks the rules file at path. lookup reads the
// environment for ${VAR}. A missing file is reported wrapped
// (fs.ErrNotExist); every other error (a directory, an unreadable or
// oversized file, its content) is an *Error.
func Load(path string, lookup func(string) (string, bool)) (*File, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("reading rules file: %w", err)
	}
	if err != nil {
		return nil, &Error{File: path, Line: 1, Column: 1, Msg: "the rules file cannot be read: " + unwrapPath(err).Error(),
			Fix: "make it readable by the CI user, or name another one with --config / CONVOX_CI_CONFIG"}
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return nil, &Error{File: path, Line: 1, Column: 1, Msg: "the rules file is a directory",
			Fix: "name the file itself, e.g. --config " + filepath.Join(path, DefaultFile)}
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: path, Line: 1, Column: 1, Msg: "the rules file cannot be read: " + unwrapPath(err).Error(),
			Fix: "name a regular file with --config / CONVOX_CI_CONFIG"}
	}
	return Parse(path, data, lookup)
}

// unwrapPath drops an *fs.PathError's operation and path: the message names
// the file already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
