package steps

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// EnvVar is one assignment. The value is secret.
type EnvVar struct {
	Key, Value string
}

// Env creates a release with a new environment. With Replace the given set
// is the whole environment (what a deploy key may do); without it the set
// is merged into the latest release's environment. Values never reach the
// log; keys do.
// Its values are registered as secrets by whoever read them, before anything
// runs (the command line's values, the rules file's ${VAR}s); a value
// written literally in the rules file is no secret. Values read back from the
// Rack (the current environment, when not replacing) are registered here.
type Env struct {
	Vars    []EnvVar
	Replace bool
	Parent  string // parent-release; "" lets the Rack take the latest
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
		keys = append(keys, v.Key)
	}
	vars := e.Vars
	var current []EnvVar
	if !e.Replace {
		var err error
		if current, err = latestEnv(ctx, st); err != nil {
			return err
		}
		vars = append(current, e.Vars...)
	}
	env := Render(vars)
	rel, err := createRelease(ctx, st, rack.ReleaseCreateOptions{Env: &env, ParentRelease: e.Parent, Description: envDescription(e.Replace, current, vars)})
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

func latestEnv(ctx context.Context, st *pipeline.State) ([]EnvVar, error) {
	rels, err := st.Rack.ReleaseList(ctx, st.App, 1)
	if err != nil {
		return nil, fmt.Errorf("reading the current environment (use --replace to set the whole environment without reading it): %w", err)
	}
	if len(rels) == 0 {
		return nil, nil
	}
	rel, err := st.Rack.ReleaseGet(ctx, st.App, rels[0].ID)
	if err != nil {
		return nil, fmt.Errorf("reading release %s: %w", rels[0].ID, err)
	}
	vars := ParseEnv(rel.Env)
	for _, v := range vars {
		st.Secrets.Add(v.Value)
	}
	return vars, nil
}
