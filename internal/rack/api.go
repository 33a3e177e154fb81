package rack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// SystemGet is GET /system.
func (c *Client) SystemGet(ctx context.Context) (*System, error) {
	var s System
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/system", retry: retrySafe}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// AppGet is GET /apps/{app}.
func (c *Client) AppGet(ctx context.Context, app string) (*App, error) {
	var a App
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app), retry: retrySafe}, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AppCreate is POST /apps with form name.
func (c *Client) AppCreate(ctx context.Context, name string) (*App, error) {
	var a App
	cl := call{method: http.MethodPost, path: "/apps", form: url.Values{"name": {name}}, retry: retryUnsent}
	if err := c.getJSON(ctx, cl, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// ObjectStore uploads an object: POST /apps/{app}/objects/{key}, a raw
// chunked body. body is called for each attempt, so nothing is buffered; the
// same key makes a repeat harmless, so it is retried.
func (c *Client) ObjectStore(ctx context.Context, app, key string, body func() (io.Reader, error)) (*Object, error) {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = esc(s)
	}
	var o Object
	cl := call{method: http.MethodPost, path: "/apps/" + esc(app) + "/objects/" + strings.Join(segs, "/"), body: streamBody(body), retry: retrySafe}
	if err := c.getJSON(ctx, cl, &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// BuildCreateOptions are the build form fields; only those set are sent.
type BuildCreateOptions struct {
	URL, Description, GitSha, Manifest string
	Development, NoCache               bool
	BuildArgs                          []string // sent comma-joined, as the CLI does
}

// BuildCreate is POST /apps/{app}/builds. It is never repeated once sent;
// a lost answer is an ambiguous *Error (ErrAmbiguous).
func (c *Client) BuildCreate(ctx context.Context, app string, opts BuildCreateOptions) (*Build, error) {
	f := url.Values{}
	set := func(k, v string) {
		if v != "" {
			f.Set(k, v)
		}
	}
	set("url", opts.URL)
	set("description", opts.Description)
	set("git-sha", opts.GitSha)
	set("manifest", opts.Manifest)
	if opts.Development {
		f.Set("development", "true")
	}
	if opts.NoCache {
		f.Set("no-cache", "true")
	}
	if len(opts.BuildArgs) > 0 {
		f.Set("build-args", strings.Join(opts.BuildArgs, ","))
	}
	var b Build
	if err := c.getJSON(ctx, call{method: http.MethodPost, path: "/apps/" + esc(app) + "/builds", form: f, retry: retryUnsent}, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// BuildGet is GET /apps/{app}/builds/{id}.
func (c *Client) BuildGet(ctx context.Context, app, id string) (*Build, error) {
	var b Build
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app) + "/builds/" + esc(id), retry: retrySafe}, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// BuildList is GET /apps/{app}/builds, newest first; limit 0 leaves the
// Rack's default (10).
func (c *Client) BuildList(ctx context.Context, app string, limit int) ([]Build, error) {
	var bs []Build
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app) + "/builds", query: limitQuery(limit), retry: retrySafe}, &bs); err != nil {
		return nil, err
	}
	return bs, nil
}

func limitQuery(limit int) url.Values {
	if limit <= 0 {
		return nil
	}
	return url.Values{"limit": {strconv.Itoa(limit)}}
}

// BuildExport streams GET /apps/{app}/builds/{id}.tgz to w. A failure is
// retried only while nothing was written to w.
func (c *Client) BuildExport(ctx context.Context, app, id string, w io.Writer) error {
	cl := call{method: http.MethodGet, path: "/apps/" + esc(app) + "/builds/" + esc(id) + ".tgz", retry: retrySafe, slowAnswer: true}
	for attempt := 0; ; attempt++ {
		resp, err := c.do(ctx, cl)
		if err != nil {
			return err
		}
		cw := &countingWriter{w: w}
		_, err = io.Copy(cw, resp.Body)
		resp.Body.Close()
		switch {
		case err == nil:
			return nil
		case cw.err != nil:
			return fmt.Errorf("writing the export of build %s: %w", id, cw.err)
		case cw.n > 0 || attempt >= c.http.RetryMax || ctx.Err() != nil:
			return &Error{Kind: Unavailable, Status: resp.StatusCode, Message: fmt.Sprintf("the download broke after %d bytes: %v", cw.n, err),
				Method: cl.method, Path: cl.path, Host: c.Host(), Err: err}
		}
		c.log.Warn().Str("path", cl.path).Err(err).Msg("export download broke before its first byte; retrying")
		select {
		case <-ctx.Done():
			return fmt.Errorf("exporting build %s: %w", id, ctx.Err())
		case <-time.After(backoff(c.http.RetryWaitMin, c.http.RetryWaitMax, attempt, nil)):
		}
	}
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = err
	}
	return n, err
}

// BuildImport is POST /apps/{app}/builds/import with the artifact as a raw
// chunked body. It is repeated only if the connection was never made; in
// Console mode a session is opened first, since the body cannot be resent.
// A body that blocks (stdin from a silent pipe) does not hold the call past
// ctx: its reads end when ctx does.
func (c *Client) BuildImport(ctx context.Context, app string, body io.Reader) (*Build, error) {
	if err := c.resolve(ctx); err != nil {
		return nil, err
	}
	if err := c.preflight(ctx, "/apps"); err != nil {
		return nil, err
	}
	var b Build
	cl := call{method: http.MethodPost, path: "/apps/" + esc(app) + "/builds/import", body: streamBody(onceBody(contextReader(ctx, body))), retry: retryDialOnly, slowAnswer: true}
	if err := c.getJSON(ctx, cl, &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// ReleaseCreateOptions are the release form fields. Env, when not nil, is
// the whole environment as sorted "K=V" lines joined by "\n".
type ReleaseCreateOptions struct {
	Build, Description, ParentRelease string
	Env                               *string
}

// ReleaseCreate is POST /apps/{app}/releases. It is never repeated once
// sent; a lost answer is an ambiguous *Error (ErrAmbiguous).
func (c *Client) ReleaseCreate(ctx context.Context, app string, opts ReleaseCreateOptions) (*Release, error) {
	f := url.Values{}
	if opts.Build != "" {
		f.Set("build", opts.Build)
	}
	if opts.Description != "" {
		f.Set("description", opts.Description)
	}
	if opts.Env != nil {
		f.Set("env", *opts.Env)
	}
	if opts.ParentRelease != "" {
		f.Set("parent-release", opts.ParentRelease)
	}
	var r Release
	if err := c.getJSON(ctx, call{method: http.MethodPost, path: "/apps/" + esc(app) + "/releases", form: f, retry: retryUnsent}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReleaseGet is GET /apps/{app}/releases/{id}.
func (c *Client) ReleaseGet(ctx context.Context, app, id string) (*Release, error) {
	var r Release
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app) + "/releases/" + esc(id), retry: retrySafe}, &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// ReleaseList is GET /apps/{app}/releases, newest created first; limit 0
// leaves the Rack's default (10).
func (c *Client) ReleaseList(ctx context.Context, app string, limit int) ([]Release, error) {
	var rs []Release
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app) + "/releases", query: limitQuery(limit), retry: retrySafe}, &rs); err != nil {
		return nil, err
	}
	return rs, nil
}

// PromoteOptions are the promote form fields.
type PromoteOptions struct {
	Force   bool          // promote even while the app is updating
	Timeout time.Duration // the Rack's rollout timeout; 0: its default (3000s)
}

// ReleasePromote is POST /apps/{app}/releases/{id}/promote. It returns when
// the Rack accepted the promotion; the rollout goes on after. It is never
// repeated once sent; a lost answer is an ambiguous *Error (ErrAmbiguous).
func (c *Client) ReleasePromote(ctx context.Context, app, id string, opts PromoteOptions) error {
	f := url.Values{"force": {strconv.FormatBool(opts.Force)}}
	if opts.Timeout > 0 {
		f.Set("timeout", strconv.Itoa(int((opts.Timeout+time.Second-1)/time.Second)))
	}
	resp, err := c.do(ctx, call{method: http.MethodPost, path: "/apps/" + esc(app) + "/releases/" + esc(id) + "/promote", form: f, retry: retryUnsent})
	if err != nil {
		return err
	}
	discard(resp)
	return nil
}

// ProcessRunOptions are the run options, sent as headers.
type ProcessRunOptions struct {
	Command, Release, Image string
	CPU, Memory             int
	Environment             map[string]string
}

// ProcessStart is POST /apps/{app}/services/{service}/processes with an
// empty body and the options as headers. It is never repeated once sent;
// a lost answer is an ambiguous *Error (ErrAmbiguous).
func (c *Client) ProcessStart(ctx context.Context, app, service string, opts ProcessRunOptions) (*Process, error) {
	h := http.Header{}
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set("Command", opts.Command)
	set("Release", opts.Release)
	set("Image", opts.Image)
	if opts.CPU > 0 {
		h.Set("Cpu", strconv.Itoa(opts.CPU))
	}
	if opts.Memory > 0 {
		h.Set("Memory", strconv.Itoa(opts.Memory))
	}
	if len(opts.Environment) > 0 {
		env := url.Values{}
		for k, v := range opts.Environment {
			env.Set(k, v)
		}
		h.Set("Environment", env.Encode())
	}
	var p Process
	cl := call{method: http.MethodPost, path: "/apps/" + esc(app) + "/services/" + esc(service) + "/processes", header: h, retry: retryUnsent}
	if err := c.getJSON(ctx, cl, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ProcessGet is GET /apps/{app}/processes/{pid}.
func (c *Client) ProcessGet(ctx context.Context, app, pid string) (*Process, error) {
	var p Process
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app) + "/processes/" + esc(pid), retry: retrySafe}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// ProcessList is GET /apps/{app}/processes.
func (c *Client) ProcessList(ctx context.Context, app string) ([]Process, error) {
	var ps []Process
	if err := c.getJSON(ctx, call{method: http.MethodGet, path: "/apps/" + esc(app) + "/processes", retry: retrySafe}, &ps); err != nil {
		return nil, err
	}
	return ps, nil
}

// ProcessStop is DELETE /apps/{app}/processes/{pid}. Stopping twice is
// harmless, so it is retried like a read.
func (c *Client) ProcessStop(ctx context.Context, app, pid string) error {
	resp, err := c.do(ctx, call{method: http.MethodDelete, path: "/apps/" + esc(app) + "/processes/" + esc(pid), retry: retrySafe})
	if err != nil {
		return err
	}
	discard(resp)
	return nil
}
