package steps

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/convox-ci/convox-ci/internal/config"
	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// EnvVar is one assignment: the rules file's type, whose String, GoString
// and MarshalJSON hide the value wherever it travels.
type EnvVar = config.EnvVar

// Env creates a release with a new environment. With Replace the given set
// is the whole environment (what a deploy key may do); without it the set
// is merged into the parent release's environment. Values never reach the
// log; keys do.
//
// The parent release (whose build the new release keeps) is Parent, else the
// release an earlier step made (import → env → promote), else the app's
// active release. Never the Rack's default: without parent-release it forks
// the newest release, which may be a build never promoted, and promoting
// the env release would then put that build live.
type Env struct {
	Vars    []EnvVar
	Replace bool
	Parent  string // parent-release; "" = the earlier step's release, else the active one
	Promote bool
}

func (Env) String() string { return "setting environment" }

var keyPattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// ParseAssignment parses KEY=VALUE, with a clear error naming the fix.
// The error never repeats the value.
func ParseAssignment(s string) (EnvVar, error) {
	k, v, ok := strings.Cut(s, "=")
	if !ok {
		name := k
		if len(name) > 40 {
			name = name[:40] + "..."
		}
		if !keyPattern.MatchString(name) {
			return EnvVar{}, fmt.Errorf("invalid environment assignment (no \"=\"): write KEY=VALUE")
		}
		return EnvVar{}, fmt.Errorf("invalid environment assignment %q: no \"=\"; write %s=VALUE", name, name)
	}
	if err := ValidateKey(k); err != nil {
		return EnvVar{}, err
	}
	if strings.ContainsAny(v, "\r\n") {
		return EnvVar{}, fmt.Errorf("the value of %s contains a line break: Convox environment values are single lines", k)
	}
	return EnvVar{Key: k, Value: v}, nil
}

// keyish is what a mistyped name looks like; anything else (a URL, a value
// pasted without KEY=) may be a secret and is never repeated.
var keyish = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// ValidateKey checks an environment variable name. The error repeats the
// name only when it looks like one.
func ValidateKey(k string) error {
	if keyPattern.MatchString(k) {
		return nil
	}
	if keyish.MatchString(k) {
		return fmt.Errorf("invalid environment variable name %q: use letters, digits and _, not starting with a digit", k)
	}
	return fmt.Errorf("invalid environment variable name (not repeated: it may be a value pasted without KEY=): use letters, digits and _, not starting with a digit")
}

// Render sorts and joins assignments as the Rack's env form field wants:
// KEY=VALUE lines joined by newlines. A key given twice keeps its last value.
func Render(vars []EnvVar) string {
	m := map[string]string{}
	for _, v := range vars {
		m[v.Key] = v.Value
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	lines := make([]string, len(keys))
	for i, k := range keys {
		lines[i] = k + "=" + m[k]
	}
	return strings.Join(lines, "\n")
}

// ParseEnv parses a release's env (KEY=VALUE lines).
func ParseEnv(s string) []EnvVar {
	var vars []EnvVar
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) != "" {
			vars = append(vars, EnvVar{Key: strings.TrimSpace(k), Value: v})
		}
	}
	return vars
}

// Run creates the release (and promotes it with Promote).
func (e Env) Run(ctx context.Context, st *pipeline.State) error {
	keys := make([]string, 0, len(e.Vars))
	for _, v := range e.Vars {
		if err := ValidateKey(v.Key); err != nil {
			return err
		}
		if strings.ContainsAny(v.Value, "\r\n") {
			// The Rack reads the environment as lines: the rest would become
			// other variables.
			return fmt.Errorf("the value of %s contains a line break: Convox environment values are single lines", v.Key)
		}
		keys = append(keys, v.Key)
	}
	parent, err := e.parent(ctx, st)
	if err != nil {
		return err
	}
	vars := e.Vars
	var current []EnvVar
	if !e.Replace {
		if current, err = releaseEnv(ctx, st, parent); err != nil {
			return err
		}
		vars = append(current, e.Vars...)
	}
	env := Render(vars)
	rel, err := createRelease(ctx, st, rack.ReleaseCreateOptions{Env: &env, ParentRelease: parent, Description: envDescription(e.Replace, current, vars)})
	if err != nil {
		return fmt.Errorf("creating a release with the new environment: %w", err)
	}
	st.ReleaseID = rel.ID
	st.Log.Info().Strs("keys", keys).Bool("replace", e.Replace).Str("release", rel.ID).Msg("environment set")
	if e.Promote {
		return Promote{Release: rel.ID}.Run(ctx, st)
	}
	return nil
}

// parent is the release the new one is based on: Parent, else the earlier
// step's, else the active one ("" when the app has none: the Rack's default).
func (e Env) parent(ctx context.Context, st *pipeline.State) (string, error) {
	switch {
	case e.Parent != "":
		return e.Parent, nil
	case st.ReleaseID != "":
		return st.ReleaseID, nil
	}
	app, err := st.Rack.AppGet(ctx, st.App)
	if err != nil {
		return "", fmt.Errorf("reading the app's active release, the base of the new environment (or name one with --release): %w", err)
	}
	return app.Release, nil
}

// releaseEnv reads the environment of a release ("" = the newest).
func releaseEnv(ctx context.Context, st *pipeline.State, id string) ([]EnvVar, error) {
	if id == "" {
		rels, err := st.Rack.ReleaseList(ctx, st.App, 1)
		if err != nil {
			return nil, fmt.Errorf("reading the current environment (use --replace to set the whole environment without reading it): %w", err)
		}
		if len(rels) == 0 {
			return nil, nil
		}
		id = rels[0].ID
	}
	rel, err := st.Rack.ReleaseGet(ctx, st.App, id)
	if err != nil {
		return nil, fmt.Errorf("reading the environment of release %s (use --replace to set the whole environment without reading it): %w", id, err)
	}
	vars := ParseEnv(rel.Env)
	for _, v := range vars {
		st.Secrets.Add(v.Value)
	}
	return vars, nil
}
