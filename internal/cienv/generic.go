package cienv

import "context"

// generic is the fallback for CIs not listed: CI=true, BUILD_NUMBER or
// RUN_ID. It must come after every specific provider, since Jenkins and
// TeamCity also set BUILD_NUMBER. Branch, tag and commit come from git.
type generic struct{}

type genericEnv struct {
	CI          string `env:"CI"`
	BuildNumber string `env:"BUILD_NUMBER"`
	RunID       string `env:"RUN_ID"`
	BuildURL    string `env:"BUILD_URL"`
}

// Name implements provider.
func (generic) Name() string { return "generic" }

// Detect implements provider.
func (generic) Detect(l Lookuper) bool {
	return isSetNotFalse(get(l, "CI")) || get(l, "BUILD_NUMBER") != "" || get(l, "RUN_ID") != ""
}

// Context implements provider.
func (generic) Context(ctx context.Context, l Lookuper) (Context, error) {
	var v genericEnv
	if err := read(ctx, l, &v); err != nil {
		return Context{}, err
	}
	src := "CI"
	switch {
	case isSetNotFalse(v.CI):
	case v.BuildNumber != "":
		src = "BUILD_NUMBER"
	default:
		src = "RUN_ID"
	}
	c := newContext("generic", src)
	c.set(FieldBuildNumber, v.BuildNumber, "BUILD_NUMBER")
	c.set(FieldBuildNumber, v.RunID, "RUN_ID")
	c.set(FieldBuildURL, v.BuildURL, "BUILD_URL")
	return c, nil
}
