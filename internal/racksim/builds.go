package racksim

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// optionTimeFormat is how time options travel in forms.
const optionTimeFormat = "20060102.150405.000000000"

func (s *Server) buildCreate(c *call) error {
	form := c.r.Form
	app := c.v("app")
	manifestPath := form.Get("manifest")
	if manifestPath == "" {
		manifestPath = "convox.yml"
	}
	var source []byte
	err := s.withApp(c, func(a *appState) error {
		objApp, key, ok := objectKey(form.Get("url"))
		if !ok {
			return errorf(http.StatusBadRequest, "invalid build url: %s", form.Get("url"))
		}
		data, found := a.objects[key]
		if objApp != app || !found {
			return notFound("object not found: %s", key)
		}
		source = data
		return nil
	})
	if err != nil {
		return err
	}
	plan, planErr := planBuild(source, manifestPath)

	s.mu.Lock()
	a, err := c.rack.app(app)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	failReason, fail := s.failNext[app]
	delete(s.failNext, app)
	b := &buildState{
		b: rack.Build{
			ID: newID("B"), App: app, Description: form.Get("description"), GitSha: form.Get("git-sha"),
			Manifest: plan.manifest, Process: "build-" + k8sSuffix(5), Status: rack.BuildRunning,
			Started: time.Now().UTC(),
		},
		source: source,
		log:    newFeed[string](),
	}
	a.builds = append(a.builds, b)
	a.buildCreates++
	out := b.b
	dur := s.buildDuration
	s.goLocked(func() { s.runBuild(a, b, plan, planErr, failReason, fail, dur) })
	s.mu.Unlock()
	return renderJSON(c.w, out)
}

// runBuild writes the build's log lines spread over dur, then completes the
// build with a new release, or fails it.
func (s *Server) runBuild(a *appState, b *buildState, plan buildPlan, planErr error, failReason string, fail bool, dur time.Duration) {
	var lines []string
	final := ""
	reason := ""
	switch {
	case planErr != nil:
		reason = planErr.Error()
		final = "ERROR: " + reason
	case fail:
		for _, u := range plan.units {
			lines = append(lines, "Building: "+u.path)
			for i, st := range u.steps {
				lines = append(lines, stepLine(i, len(u.steps), st))
			}
		}
		reason = failReason
		final = "ERROR: build failed: " + failReason
	default:
		lines = plan.logLines()
		final, lines = lines[len(lines)-1], lines[:len(lines)-1]
	}
	step := dur / time.Duration(len(lines)+1)
	for i, line := range lines {
		if i > 0 && !s.sleep(step) {
			return
		}
		b.log.add(line)
	}
	if !s.sleep(step) {
		return
	}
	b.log.add(final)

	s.mu.Lock()
	now := time.Now().UTC()
	b.b.Ended = now
	b.b.Logs = "object://" + b.b.App + "/build/" + b.b.ID + "/logs"
	items, _, _ := b.log.from(0)
	a.objects["build/"+b.b.ID+"/logs"] = []byte(strings.Join(items, "\n") + "\n")
	if reason != "" {
		// as the real build runner (pkg/build fail()): the cause is only in
		// the log's "ERROR: " line; the build's reason stays empty
		b.b.Status = rack.BuildFailed
	} else {
		r := a.releaseFromBuild(b)
		b.b.Release = r.ID
		b.b.Status = rack.BuildComplete
	}
	s.mu.Unlock()
	b.log.finish()
}

func stepLine(i, n int, st string) string {
	return fmt.Sprintf("Step %d/%d : %s", i+1, n, st)
}

// releaseFromBuild creates the release a finished build makes: the build's
// manifest and description, the env of the latest release.
func (a *appState) releaseFromBuild(b *buildState) *rack.Release {
	env := ""
	if latest := a.latestRelease(); latest != nil {
		env = latest.Env
	}
	r := a.newRelease(a.app.Name)
	r.Build, r.Env, r.Manifest, r.Description = b.b.ID, env, b.b.Manifest, b.b.Description
	return r
}

func (s *Server) buildGet(c *call) error {
	var out rack.Build
	err := s.withApp(c, func(a *appState) error {
		b, err := a.build(c.v("id"))
		if err != nil {
			return err
		}
		out = b.b
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

func (s *Server) buildList(c *call) error {
	limit, err := limitParam(c.r)
	if err != nil {
		return err
	}
	var out []rack.Build
	err = s.withApp(c, func(a *appState) error {
		for i := len(a.builds) - 1; i >= 0; i-- {
			out = append(out, a.builds[i].b)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Started.After(out[j].Started) })
	if len(out) > limit {
		out = out[:limit]
	}
	if out == nil {
		out = []rack.Build{}
	}
	return renderJSON(c.w, out)
}

// buildUpdate is PUT /apps/{app}/builds/{id}, used by --external builds.
func (s *Server) buildUpdate(c *call) error {
	form := c.r.Form
	var out rack.Build
	err := s.withApp(c, func(a *appState) error {
		b, err := a.build(c.v("id"))
		if err != nil {
			return err
		}
		for _, f := range []struct {
			name string
			dst  *time.Time
		}{{"started", &b.b.Started}, {"ended", &b.b.Ended}} {
			if v := form.Get(f.name); v != "" {
				t, err := time.Parse(optionTimeFormat, v)
				if err != nil {
					return errorf(http.StatusBadRequest, "invalid time: %s", v)
				}
				*f.dst = t.UTC()
			}
		}
		for name, dst := range map[string]*string{
			"entrypoint": &b.b.Entrypoint, "logs": &b.b.Logs, "manifest": &b.b.Manifest,
			"release": &b.b.Release, "status": &b.b.Status,
		} {
			if form.Has(name) {
				*dst = form.Get(name)
			}
		}
		out = b.b
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}
