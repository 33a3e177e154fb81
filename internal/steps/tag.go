package steps

import (
	"crypto/sha256"
	"encoding/hex"
	"net/url"
	"sort"
	"strings"

	"github.com/convox-ci/convox-ci/internal/rack"
)

// Tag is what convox-ci appends, in brackets, to the description of every
// build and env release it creates:
//
//	<description> [convox-ci:<12 hex>]
//	<description> [convox-ci:<12 hex> commit=<full sha> manifest=<path> development no-cache build-args=<12 hex>]
//
// The first word is the marker, unique per creation; a build's tag also
// carries the full commit and the build options it was made with (only
// those set; build args as a digest, since their values may be secret).
//
// The Rack copies a build's description into the release it makes and, on
// `builds import`, into the imported build, which loses git-sha: so the tag
// travels with a build from rack to rack. The commit finds a commit's build
// on any rack (FindCommitBuild); the marker finds a build whose answer was
// lost, and tells the imports of one source build from any other build (its
// description is the source's, byte for byte); the options say how the
// build was made.
type Tag struct {
	Marker      string // "convox-ci:<12 hex>"
	Commit      string
	Manifest    string
	Development bool
	NoCache     bool
	BuildArgs   string // digest of the sorted build args
}

// buildTag is the tag of a build created with opts.
func buildTag(marker string, opts rack.BuildCreateOptions) Tag {
	t := Tag{Marker: marker, Commit: opts.GitSha, Manifest: opts.Manifest, Development: opts.Development, NoCache: opts.NoCache}
	if len(opts.BuildArgs) > 0 {
		args := append([]string(nil), opts.BuildArgs...)
		sort.Strings(args)
		sum := sha256.Sum256([]byte(strings.Join(args, "\n")))
		t.BuildArgs = hex.EncodeToString(sum[:6])
	}
	return t
}

// String is the tag as it appears in a description, brackets included.
func (t Tag) String() string {
	parts := []string{t.Marker}
	if t.Commit != "" {
		parts = append(parts, "commit="+t.Commit)
	}
	if t.Manifest != "" {
		parts = append(parts, "manifest="+url.QueryEscape(t.Manifest))
	}
	if t.Development {
		parts = append(parts, "development")
	}
	if t.NoCache {
		parts = append(parts, "no-cache")
	}
	if t.BuildArgs != "" {
		parts = append(parts, "build-args="+t.BuildArgs)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// Append puts the tag at the end of a description.
func (t Tag) Append(desc string) string {
	if desc == "" {
		return t.String()
	}
	return desc + " " + t.String()
}

// ParseTag reads the tag at the end of a description.
func ParseTag(desc string) (Tag, bool) {
	if !strings.HasSuffix(desc, "]") {
		return Tag{}, false
	}
	i := strings.LastIndex(desc, "["+MarkerPrefix)
	if i < 0 || (i > 0 && desc[i-1] != ' ') {
		return Tag{}, false
	}
	fields := strings.Fields(desc[i+1 : len(desc)-1])
	if len(fields) == 0 || !validMarker(fields[0]) {
		return Tag{}, false
	}
	t := Tag{Marker: fields[0]}
	for _, f := range fields[1:] {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "commit":
			t.Commit = v
		case "manifest":
			if m, err := url.QueryUnescape(v); err == nil {
				t.Manifest = m
			}
		case "development":
			t.Development = true
		case "no-cache":
			t.NoCache = true
		case "build-args":
			t.BuildArgs = v
		}
	}
	return t, true
}

func validMarker(m string) bool {
	h, ok := strings.CutPrefix(m, MarkerPrefix)
	if !ok || len(h) != 12 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// CommitOf is the commit a build was made from: its git-sha, else (an
// imported build) the commit in its description's tag.
func CommitOf(b rack.Build) string {
	if b.GitSha != "" {
		return b.GitSha
	}
	t, _ := ParseTag(b.Description)
	return t.Commit
}
