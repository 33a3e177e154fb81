package racksim

import (
	"bufio"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// releaseCreate forks parent-release (or the latest release): build and env
// come from it unless given; a build brings its manifest and description; a
// new env makes the description "env add:K change:K remove:K".
func (s *Server) releaseCreate(c *call) error {
	form := c.r.Form
	var out rack.Release
	err := s.withApp(c, func(a *appState) error {
		var build, env string
		if pr := form.Get("parent-release"); pr != "" {
			parent, err := a.release(pr)
			if err != nil {
				return err
			}
			build, env = parent.Build, parent.Env
		} else if latest := a.latestRelease(); latest != nil {
			build, env = latest.Build, latest.Env
		}
		if form.Has("build") {
			build = form.Get("build")
		}
		var desc, manifest string
		if build != "" {
			b, err := a.build(build)
			if err != nil {
				return err
			}
			desc, manifest = b.b.Description, b.b.Manifest
		}
		if form.Has("env") {
			if d := envDiff(env, form.Get("env")); d != "" {
				desc = "env " + d
			}
			env = form.Get("env")
		}
		if form.Has("description") {
			desc = form.Get("description")
		}
		r := a.newRelease(a.app.Name)
		r.Build, r.Env, r.Manifest, r.Description = build, env, manifest, desc
		out = *r
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

// parseEnv reads KEY=VALUE lines as structs.Environment.Load does.
func parseEnv(data string) map[string]string {
	env := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(strings.TrimSpace(data)))
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), "=")
		if k = strings.TrimSpace(k); ok && k != "" {
			env[k] = v
		}
	}
	return env
}

// envDiff is common.EnvDiff: "add:K change:K remove:K", each group sorted.
func envDiff(from, to string) string {
	a, b := parseEnv(from), parseEnv(to)
	var parts []string
	for _, k := range sortedKeys(b) {
		if _, ok := a[k]; !ok {
			parts = append(parts, "add:"+k)
		}
	}
	for _, k := range sortedKeys(b) {
		if v, ok := a[k]; ok && v != b[k] {
			parts = append(parts, "change:"+k)
		}
	}
	for _, k := range sortedKeys(a) {
		if _, ok := b[k]; !ok {
			parts = append(parts, "remove:"+k)
		}
	}
	return strings.Join(parts, " ")
}

func sortedReleases(rs []*rack.Release, limit int) []rack.Release {
	out := make([]rack.Release, 0, len(rs))
	for _, r := range rs {
		out = append(out, *r)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[j].Created.Before(out[i].Created) })
	if limit > 0 && len(out) > limit {
		out = out[:limit]
	}
	return out
}

func (s *Server) releaseGet(c *call) error {
	var out rack.Release
	err := s.withApp(c, func(a *appState) error {
		r, err := a.release(c.v("id"))
		if err != nil {
			return err
		}
		out = *r
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

func (s *Server) releaseList(c *call) error {
	limit, err := limitParam(c.r)
	if err != nil {
		return err
	}
	var out []rack.Release
	err = s.withApp(c, func(a *appState) error {
		out = sortedReleases(a.releases, limit)
		return nil
	})
	if err != nil {
		return err
	}
	return renderJSON(c.w, out)
}

// releasePromote validates as ReleasePromoteValidate does, then starts a
// rollout and answers at once.
func (s *Server) releasePromote(c *call) error {
	force := c.r.Form.Get("force") == "true"
	err := s.withApp(c, func(a *appState) error {
		if !force && a.app.Status != rack.AppRunning {
			return errorf(http.StatusForbidden, "app is currently updating")
		}
		r, err := a.release(c.v("id"))
		if err != nil {
			return err
		}
		if strings.TrimSpace(r.Manifest) == "" {
			return errorf(http.StatusBadRequest, "can not promote a release with an empty manifest")
		}
		if a.app.Release != "" {
			active, err := a.release(a.app.Release)
			if err != nil {
				return err
			}
			if r.Created.Before(active.Created) {
				return errorf(http.StatusBadRequest, "can not promote an older release, try rollback")
			}
		}
		s.startRollout(a, r)
		return nil
	})
	if err != nil {
		return err
	}
	return renderOK(c.w)
}

// startRollout records the promotion and starts its rollout: the app turns
// updating on the new release with new service pods, at once or, with a
// controller lag, that much later (until then it reads running on the old
// release, as a real Rack's app does until its controller catches up);
// callers hold s.mu.
func (s *Server) startRollout(a *appState, r *rack.Release) {
	a.rollout++
	gen := a.rollout
	if s.rollbackNext[a.app.Name] {
		delete(s.rollbackNext, a.app.Name)
		if a.bad == nil {
			a.bad = map[string]bool{}
		}
		a.bad[r.ID] = true
	}
	rollback := a.bad[r.ID]
	a.promotions = append(a.promotions, r.ID)
	dur, lag := s.rolloutDuration, s.controllerLag
	if lag <= 0 {
		fresh := s.applyRollout(a, r)
		s.goLocked(func() { s.rollout(a, gen, r.ID, fresh, rollback, dur) })
		return
	}
	s.goLocked(func() {
		if !s.sleep(lag) {
			return
		}
		s.mu.Lock()
		if a.rollout != gen {
			s.mu.Unlock()
			return
		}
		fresh := s.applyRollout(a, r)
		s.mu.Unlock()
		s.rollout(a, gen, r.ID, fresh, rollback, dur)
	})
}

// applyRollout is what the controller writes when a rollout starts; callers
// hold s.mu.
func (s *Server) applyRollout(a *appState, r *rack.Release) []*procState {
	if a.app.Status == rack.AppRunning {
		a.stable = a.app.Release
	}
	a.app.Status = rack.AppUpdating
	a.app.Release = r.ID
	services, ok := manifestServices(r.Manifest)
	if !ok {
		services = nil
	}
	var fresh []*procState
	for _, svc := range services {
		fresh = append(fresh, a.newServiceProcess(svc, r.ID))
	}
	return fresh
}

// rollout ends a promote after dur: running on the new release, or (when
// scripted) rollback for dur and then running on the old release.
func (s *Server) rollout(a *appState, gen int, release string, fresh []*procState, rollback bool, dur time.Duration) {
	if !s.sleep(dur) {
		return
	}
	s.mu.Lock()
	if a.rollout != gen {
		s.mu.Unlock()
		return
	}
	if !rollback {
		a.app.Status = rack.AppRunning
		for _, p := range fresh {
			p.p.Status = rack.ProcessRunning
			a.appLog(p, fmt.Sprintf("running release %s", release))
		}
		for _, p := range append([]*procState(nil), a.procs...) {
			if p.service && p.p.Release != release {
				a.removeProcess(p)
			}
		}
		a.stable = release
		s.mu.Unlock()
		return
	}
	s.revert(a, fresh, fmt.Sprintf("release %s failed its health checks, rolling back", release))
	s.mu.Unlock()
	s.finishRevert(a, gen, dur)
}

// revert puts the app in rollback on its stable release; callers hold s.mu.
func (s *Server) revert(a *appState, fresh []*procState, msg string) {
	a.app.Status = rack.AppRollback
	a.app.Release = a.stable
	for _, p := range fresh {
		a.appLog(p, msg)
		a.removeProcess(p)
	}
}

func (s *Server) finishRevert(a *appState, gen int, dur time.Duration) {
	if !s.sleep(dur) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.rollout == gen {
		a.app.Status = rack.AppRunning
	}
}

// appCancel is POST /apps/{app}/cancel: an updating app rolls back.
func (s *Server) appCancel(c *call) error {
	err := s.withApp(c, func(a *appState) error {
		if a.app.Status != rack.AppUpdating {
			return errorf(http.StatusForbidden, "app is not updating")
		}
		a.rollout++
		gen := a.rollout
		var fresh []*procState
		for _, p := range a.procs {
			if p.service && p.p.Release == a.app.Release && p.p.Status != rack.ProcessRunning {
				fresh = append(fresh, p)
			}
		}
		s.revert(a, fresh, "rollout cancelled")
		dur := s.rolloutDuration
		s.goLocked(func() { s.finishRevert(a, gen, dur) })
		return nil
	})
	if err != nil {
		return err
	}
	return renderOK(c.w)
}
