package source

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"
)

const manifestWithDockerfiles = `services:
  web:
    build: .
  worker:
    build:
      path: docker/worker
      manifest: Dockerfile.worker
  api:
    build: api
  redis:
    image: redis:7
  evil:
    build:
      path: ../outside
`

func TestRackFilesNamesTheManifestAndItsDockerfiles(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, []node{{Name: "convox.prod.yml", Body: manifestWithDockerfiles}})
	require.Equal(t, []string{".dockerignore", "Dockerfile", "api/Dockerfile", "convox.prod.yml", "docker/worker/Dockerfile.worker"},
		RackFiles(dir, "convox.prod.yml"))
	require.Equal(t, []string{".dockerignore", "convox.yml"}, RackFiles(dir, ""), "no manifest: itself only")
	makeTree(t, dir, []node{{Name: "convox.yml", Body: "services: [\n"}})
	require.Equal(t, []string{".dockerignore", "convox.yml"}, RackFiles(dir, ""), "unparsable: itself only")
}

// What the Rack needs goes in whatever .dockerignore says, as docker build
// always sends its Dockerfile and .dockerignore; everything else excluded
// stays out.
func TestKeptFilesArePackagedDespiteTheIgnoreFile(t *testing.T) {
	dir := t.TempDir()
	makeTree(t, dir, []node{
		{Name: ".dockerignore", Body: "*\n!app.js\n"},
		{Name: "convox.prod.yml", Body: manifestWithDockerfiles},
		{Name: "Dockerfile", Body: "FROM scratch\n"},
		{Name: "app.js", Body: "x"},
		{Name: "secret.env", Body: "no"},
		{Name: "docker/worker/Dockerfile.worker", Body: "FROM scratch\n"},
		{Name: "docker/worker/notes.txt", Body: "no"},
	})
	var buf bytes.Buffer
	_, err := Package(t.Context(), Options{Dir: dir, Keep: RackFiles(dir, "convox.prod.yml")}, &buf)
	require.NoError(t, err)
	require.ElementsMatch(t, []string{".dockerignore", "Dockerfile", "app.js", "convox.prod.yml", "docker/worker/Dockerfile.worker"},
		names(untar(t, buf.Bytes())))

	buf.Reset()
	_, err = Package(t.Context(), Options{Dir: dir}, &buf)
	require.NoError(t, err)
	require.Equal(t, []string{"app.js"}, names(untar(t, buf.Bytes())), "without Keep, .dockerignore alone decides")
}
