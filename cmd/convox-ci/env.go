package main

import (
	"fmt"
	"strings"

	"github.com/alecthomas/kong"
	"github.com/sethvargo/go-envconfig"
)

// lookupEnv reads one variable of the environment Main was given. An empty
// value counts as unset.
type lookupEnv func(name string) (string, bool)

// lookupNonEmpty turns a getenv into a lookupEnv.
func lookupNonEmpty(getenv func(string) string) lookupEnv {
	return func(name string) (string, bool) {
		v := getenv(name)
		return v, v != ""
	}
}

func (env lookupEnv) isSet(name string) bool {
	_, ok := env(name)
	return ok
}

// lookuper is env for go-envconfig (the CI detection).
func (env lookupEnv) lookuper() envconfig.Lookuper {
	return envconfig.LookuperFunc(func(name string) (string, bool) { return env(name) })
}

// envResolver fills a flag the command line left unset from the
// variables its `envs` tag names. A CI step's own inputs (INPUT_* from a
// GitHub step's with:, PLUGIN_* from Drone's and Woodpecker's settings:)
// are the most specific setting and win over the ambient environment
// (CONVOX_*, RACK_URL, which a job or a shell exports for every step).
type envResolver struct {
	env       lookupEnv
	from      map[string]string // flag name -> the variable that set it
	overrides []override        // inputs that won over a different ambient value
}

// override is an input that won over an ambient variable set to another
// value.
type override struct{ input, ambient string }

func newEnvResolver(env lookupEnv) *envResolver {
	return &envResolver{env: env, from: map[string]string{}}
}

func (r *envResolver) Validate(*kong.Application) error { return nil }

func (r *envResolver) Resolve(_ *kong.Context, _ *kong.Path, flag *kong.Flag) (any, error) {
	if name, v, ok := r.first(envNames(flag.Value)...); ok {
		r.from[flag.Name] = name
		return v, nil
	}
	return nil, nil
}

// first is the value of the first of names that is set, inputs before
// ambient variables, and which variable it came from.
func (r *envResolver) first(names ...string) (name, value string, ok bool) {
	name, value, ok, over := r.pick(names...)
	r.overrides = append(r.overrides, over...)
	return name, value, ok
}

// pick is first without recording the overrides.
func (r *envResolver) pick(names ...string) (name, value string, ok bool, overrides []override) {
	var inputs, ambient []string
	for _, n := range names {
		if isInput(n) {
			inputs = append(inputs, n)
		} else {
			ambient = append(ambient, n)
		}
	}
	for _, n := range append(inputs, ambient...) {
		if v, set := r.env(n); set {
			if isInput(n) {
				for _, a := range ambient {
					if av, aset := r.env(a); aset && av != v {
						overrides = append(overrides, override{input: n, ambient: a})
					}
				}
			}
			return n, v, true, overrides
		}
	}
	return "", "", false, nil
}

// isInput is a variable a CI makes of a step's own input.
func isInput(name string) bool {
	return strings.HasPrefix(name, "INPUT_") || strings.HasPrefix(name, "PLUGIN_")
}

// explain adds the variable a bad value came from to kong's error, which
// names only the flag.
func (r *envResolver) explain(err error) error {
	for flag, name := range r.from {
		if strings.HasPrefix(err.Error(), "--"+flag+":") {
			return fmt.Errorf("%w (from $%s)", err, name)
		}
	}
	return err
}

func envNames(v *kong.Value) []string {
	if v.Tag == nil {
		return nil
	}
	return strings.FieldsFunc(v.Tag.Get("envs"), func(r rune) bool { return r == ',' || r == ' ' })
}

// helpWithEnv is kong's help text for a value, naming its variables as
// kong does for its own `env` tag: "Rack name ($CONVOX_RACK, $INPUT_RACK)."
func helpWithEnv(v *kong.Value) string {
	names := envNames(v)
	if len(names) == 0 {
		return kong.DefaultHelpValueFormatter(v)
	}
	suffix := "($" + strings.Join(names, ", $") + ")"
	switch {
	case strings.HasSuffix(v.Help, "."):
		return v.Help[:len(v.Help)-1] + " " + suffix + "."
	case v.Help == "":
		return suffix
	default:
		return v.Help + " " + suffix
	}
}
