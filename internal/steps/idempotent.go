package steps

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/convox-ci/convox-ci/internal/pipeline"
	"github.com/convox-ci/convox-ci/internal/rack"
)

// Creation calls (build, env release, promotion, run process, import) are
// never blindly repeated (README, Reliability). When the client
// reports an ambiguous failure (rack.ErrAmbiguous: the request went out and
// its answer was lost), the step first looks for what it may have created,
// and keeps looking (0.3 s, then doubling, for up to 30 s or until the
// deadline) before it creates again: a gateway may answer 502 or 504 while
// the Rack is still working and carries the request out seconds later.
//
//   - builds and env releases carry a marker at the end of their
//     description, " [convox-ci:<12 hex>]" (MarkerPrefix), unique per step
//     run; after an ambiguous failure the step looks for it among the
//     app's 20 newest builds (or releases) and continues with the one it
//     finds, else creates again with the same marker;
//   - a promotion is found in the app itself: when the app runs, or is
//     updating to, the release, the promotion happened; a rollback means it
//     happened and was rolled back; otherwise it is sent again;
//   - a run process (the "sleep" placeholder) is found by listing the
//     app's processes before starting it and after an ambiguous failure: a
//     single new process of that service, command and release is adopted;
//     otherwise another is started (a spare sleep process is harmless and
//     ends with its lifetime);
//   - an import is found by listing builds before and after: a single new
//     complete build with the source build's description is adopted;
//     otherwise the export is streamed and imported again. An import from a
//     stream (stdin, a file) cannot be sent again and fails, saying so.
//
// When the lookups fail (a transient failure is looked past while the
// window lasts), nothing is created again: the step fails and says that the
// outcome is unknown. The exec stream of `run` (the
// migration itself) is never repeated, and a lost exit status is a failure.

// MarkerPrefix starts the marker appended to what a step creates.
const MarkerPrefix = "convox-ci:"

// maxCreateAttempts bounds the creations a step sends after ambiguous
// failures it checked created nothing.
const maxCreateAttempts = 4

// lookupLimit is how many of the newest builds or releases a lookup reads.
const lookupLimit = 20

// ambiguityPause is the first wait before looking up what an ambiguous call
// may have created; the waits between lookups double from it.
var ambiguityPause = 300 * time.Millisecond

// lookupWindow is how long the lookups go on (or until the deadline, if
// sooner) before the step concludes that nothing was created: a gateway
// answers 502 or 504 while the Rack may still be working on the request
// and carry it out seconds later.
var lookupWindow = 30 * time.Second

// errNoLookup is what a find returns when it has no way to look: the step
// creates again at once rather than waiting for nothing.
var errNoLookup = errors.New("no lookup possible")

// newMarker returns a fresh "convox-ci:<12 hex>".
func newMarker() (string, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generating a marker: %w", err)
	}
	return MarkerPrefix + hex.EncodeToString(b), nil
}

// hasMarker reports a description tagged with marker (see Tag).
func hasMarker(desc, marker string) bool {
	t, ok := ParseTag(desc)
	return ok && t.Marker == marker
}

// pause waits d, or until ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// createOnce runs create; after an ambiguous failure it looks for what the
// call may have created (find, repeated with backoff for lookupWindow), and
// continues with what it found, or creates again when nothing appeared (up
// to maxCreateAttempts). A failed lookup ends it: the outcome is unknown.
func createOnce[T any](ctx context.Context, st *pipeline.State, what string, create func() (T, error), find func() (T, bool, error)) (T, error) {
	var zero T
	for attempt := 1; ; attempt++ {
		v, err := create()
		if err == nil || !errors.Is(err, rack.ErrAmbiguous) {
			return v, err
		}
		st.Log.Warn().Int("attempt", attempt).Err(err).Msgf("the answer to %s was lost; looking it up before creating it again", what)
		found, ok, ferr := lookFor(ctx, st, what, find)
		switch {
		case errors.Is(ferr, errNoLookup):
		case ferr != nil && ctx.Err() != nil:
			return zero, fmt.Errorf("%s: %w; it had not appeared when the deadline came, so whether it was created is unknown: %w", what, err, ctx.Err())
		case ferr != nil:
			return zero, fmt.Errorf("%s: %w; looking it up failed, so whether it was created is unknown: %v", what, err, ferr)
		case ok:
			st.Log.Info().Int("attempt", attempt).Msgf("found it: %s succeeded despite the lost answer", what)
			return found, nil
		}
		if attempt >= maxCreateAttempts {
			return zero, fmt.Errorf("%s: %w (gave up after %d attempts, each checked not to have created anything)", what, err, attempt)
		}
		st.Log.Info().Int("attempt", attempt).Msgf("not found: %s did not happen; sending it again", what)
	}
}

// lookFor runs find after ambiguityPause, then again at doubling intervals
// until it finds something, or lookupWindow (or the deadline) ends: a Rack
// that got the request may still be carrying it out. A look that fails
// with a transient error (the Rack or a proxy unavailable) is tried again
// at the next interval; any other failure ends the lookups, as does a
// window that ends on a failed look.
func lookFor[T any](ctx context.Context, st *pipeline.State, what string, find func() (T, bool, error)) (T, bool, error) {
	var zero T
	end := time.Now().Add(lookupWindow)
	dl, hasDeadline := ctx.Deadline()
	byDeadline := hasDeadline && dl.Before(end)
	if byDeadline {
		end = dl
	}
	wait := ambiguityPause
	for looks := 1; ; looks++ {
		if err := pause(ctx, min(wait, max(time.Until(end), 0))); err != nil {
			return zero, false, err
		}
		v, ok, err := find()
		switch {
		case ok:
			return v, true, nil
		case err != nil && (!errors.Is(err, rack.ErrUnavailable) || ctx.Err() != nil):
			return zero, false, err
		case !time.Now().Before(end) && byDeadline:
			<-ctx.Done() // due now: no time left to create it again
			return zero, false, ctx.Err()
		case !time.Now().Before(end):
			return zero, false, err
		case err != nil:
			st.Log.Warn().Int("looks", looks).Err(err).Msgf("%s: looking it up failed; looking again", what)
		default:
			st.Log.Debug().Int("looks", looks).Msgf("%s: not found yet; looking again", what)
		}
		wait *= 2
	}
}

// createBuild is BuildCreate with the description marked, so that a build
// whose answer was lost is found among the app's newest builds.
func createBuild(ctx context.Context, st *pipeline.State, opts rack.BuildCreateOptions) (*rack.Build, error) {
	marker, err := newMarker()
	if err != nil {
		return nil, err
	}
	opts.Description = buildTag(marker, opts).Append(opts.Description)
	return createOnce(ctx, st, "creating the build",
		func() (*rack.Build, error) { return st.Rack.BuildCreate(ctx, st.App, opts) },
		func() (*rack.Build, bool, error) {
			builds, err := st.Rack.BuildList(ctx, st.App, lookupLimit)
			if err != nil {
				return nil, false, err
			}
			for i := range builds { // newest first
				if hasMarker(builds[i].Description, marker) {
					return &builds[i], true, nil
				}
			}
			return nil, false, nil
		})
}

// createRelease is ReleaseCreate with the description marked.
func createRelease(ctx context.Context, st *pipeline.State, opts rack.ReleaseCreateOptions) (*rack.Release, error) {
	marker, err := newMarker()
	if err != nil {
		return nil, err
	}
	opts.Description = Tag{Marker: marker}.Append(opts.Description)
	return createOnce(ctx, st, "creating the release",
		func() (*rack.Release, error) { return st.Rack.ReleaseCreate(ctx, st.App, opts) },
		func() (*rack.Release, bool, error) {
			rels, err := st.Rack.ReleaseList(ctx, st.App, lookupLimit)
			if err != nil {
				return nil, false, err
			}
			for i := range rels {
				if hasMarker(rels[i].Description, marker) {
					return &rels[i], true, nil
				}
			}
			return nil, false, nil
		})
}

// envDescription describes an env release by its keys, never its values:
// "env add:K change:K remove:K" (as the Rack words it) when the previous
// environment was read, "env replace:A,B" for a replacement.
func envDescription(replace bool, before, after []EnvVar) string {
	keys := func(vars []EnvVar) map[string]string {
		m := map[string]string{}
		for _, v := range vars {
			m[v.Key] = v.Value
		}
		return m
	}
	a, b := keys(before), keys(after)
	sorted := func(m map[string]string) []string {
		out := make([]string, 0, len(m))
		for k := range m {
			out = append(out, k)
		}
		sort.Strings(out)
		return out
	}
	if replace {
		return "env replace:" + strings.Join(sorted(b), ",")
	}
	var parts []string
	for _, k := range sorted(b) {
		if _, ok := a[k]; !ok {
			parts = append(parts, "add:"+k)
		}
	}
	for _, k := range sorted(b) {
		if v, ok := a[k]; ok && v != b[k] {
			parts = append(parts, "change:"+k)
		}
	}
	for _, k := range sorted(a) {
		if _, ok := b[k]; !ok {
			parts = append(parts, "remove:"+k)
		}
	}
	if len(parts) == 0 {
		return "env unchanged"
	}
	return "env " + strings.Join(parts, " ")
}

// promoteOnce is ReleasePromote; after an ambiguous failure the app says
// whether the promotion happened (it runs, or updates to, the release; or it
// is rolling back) before the promotion is sent again.
func promoteOnce(ctx context.Context, st *pipeline.State, id string, opts rack.PromoteOptions) error {
	type none struct{}
	var rolledBack error
	_, err := createOnce(ctx, st, "promoting release "+id,
		func() (none, error) { return none{}, st.Rack.ReleasePromote(ctx, st.App, id, opts) },
		func() (none, bool, error) {
			app, err := st.Rack.AppGet(ctx, st.App)
			if err != nil {
				return none{}, false, err
			}
			switch {
			case app.Release == id && (app.Status == rack.AppRunning || app.Status == rack.AppUpdating):
				return none{}, true, nil
			case app.Status == rack.AppRollback:
				rolledBack = &RollbackError{Release: id, Active: app.Release}
				return none{}, true, nil
			}
			return none{}, false, nil
		})
	if err != nil {
		return err
	}
	return rolledBack
}

// startProcess is ProcessStart; the app's processes are listed first so
// that, after an ambiguous failure, the process it may have started is
// found (one new process of the service with the same command and release)
// and used rather than a second one started.
func startProcess(ctx context.Context, st *pipeline.State, service string, opts rack.ProcessRunOptions) (*rack.Process, error) {
	before, listErr := st.Rack.ProcessList(ctx, st.App)
	known := map[string]bool{}
	for _, p := range before {
		known[p.ID] = true
	}
	return createOnce(ctx, st, "starting a "+service+" process",
		func() (*rack.Process, error) { return st.Rack.ProcessStart(ctx, st.App, service, opts) },
		func() (*rack.Process, bool, error) {
			if listErr != nil {
				st.Log.Warn().Err(listErr).Msg("the processes could not be listed before the start, so a spare process may run until its lifetime ends")
				return nil, false, errNoLookup
			}
			procs, err := st.Rack.ProcessList(ctx, st.App)
			if err != nil {
				return nil, false, err
			}
			var fresh []rack.Process
			for _, p := range procs {
				if !known[p.ID] && p.Name == service && p.Command == opts.Command && (opts.Release == "" || p.Release == opts.Release) {
					fresh = append(fresh, p)
				}
			}
			if len(fresh) == 1 {
				return &fresh[0], true, nil
			}
			if len(fresh) > 1 {
				st.Log.Warn().Int("candidates", len(fresh)).Msg("several new processes could be the one started; starting another (the spares end with their lifetime)")
			}
			return nil, false, nil
		})
}

// importOnce streams a build's export from src into an import; after an
// ambiguous failure of the import, the builds listed before and after say
// whether it happened (one new complete build with the source's
// description), else the export is streamed and imported again.
func importOnce(ctx context.Context, st *pipeline.State, src *rack.Client, srcApp string, source rack.Build) (*rack.Build, error) {
	before, listErr := st.Rack.BuildList(ctx, st.App, lookupLimit)
	known := map[string]bool{}
	for _, b := range before {
		known[b.ID] = true
	}
	return createOnce(ctx, st, "importing build "+source.ID,
		func() (*rack.Build, error) { return exportImport(ctx, st, src, srcApp, source.ID) },
		func() (*rack.Build, bool, error) {
			if listErr != nil {
				return nil, false, fmt.Errorf("the builds could not be listed before the import: %w", listErr)
			}
			builds, err := st.Rack.BuildList(ctx, st.App, lookupLimit)
			if err != nil {
				return nil, false, err
			}
			var fresh []rack.Build
			for _, b := range builds {
				if !known[b.ID] && b.Status == rack.BuildComplete && b.Description == source.Description {
					fresh = append(fresh, b)
				}
			}
			switch len(fresh) {
			case 0:
				return nil, false, nil
			case 1:
				return &fresh[0], true, nil
			}
			return nil, false, fmt.Errorf("%d new builds look like this import", len(fresh))
		})
}

// exportImport streams one export straight into one import.
func exportImport(ctx context.Context, st *pipeline.State, src *rack.Client, srcApp, id string) (*rack.Build, error) {
	pr, pw := io.Pipe()
	exportDone := make(chan error, 1)
	go func() {
		err := src.BuildExport(ctx, srcApp, id, pw)
		pw.CloseWithError(err)
		exportDone <- err
	}()
	b, err := st.Rack.BuildImport(ctx, st.App, pr)
	pr.CloseWithError(errors.New("import finished"))
	if exportErr := <-exportDone; exportErr != nil {
		return nil, fmt.Errorf("exporting build %s: %w", id, exportErr)
	}
	return b, err
}
