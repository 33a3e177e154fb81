package login

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

func write(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
}

func TestFindV3ConsoleLogin(t *testing.T) {
	home, work := t.TempDir(), t.TempDir()
	dir := filepath.Join(home, ".config", "convox")
	write(t, filepath.Join(dir, "console"), "console.convox.com\n")
	write(t, filepath.Join(dir, "auth"), "{\n  \"console.convox.com\": \"key-123456\"\n}\n")
	write(t, filepath.Join(dir, "current"), `{"name":"org/staging","type":"console"}`)

	l, ok, err := Find(Places{Home: home, WorkDir: work})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "console.convox.com", l.Host)
	require.Equal(t, "key-123456", l.Password)
	require.Equal(t, "org/staging", l.Rack)
	require.NotContains(t, l.Source, "key-123456")
}

func TestFindV3LocalRackFileWins(t *testing.T) {
	cfg, work := t.TempDir(), t.TempDir()
	write(t, filepath.Join(cfg, "console"), "console.convox.com")
	write(t, filepath.Join(cfg, "auth"), `{"console.convox.com":"key-123456"}`)
	write(t, filepath.Join(cfg, "rack"), "org/staging")
	write(t, filepath.Join(work, ".convox", "rack"), "org/production\n")

	l, ok, err := Find(Places{ConfigDir: cfg, WorkDir: work})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "org/production", l.Rack)
}

func TestFindV3DirectRack(t *testing.T) {
	cfg := t.TempDir()
	write(t, filepath.Join(cfg, "current"), `{"name":"dev","type":"direct"}`)
	write(t, filepath.Join(cfg, "racks", "dev"), "https://convox:pw-9999@api.dev.example.org\n")

	l, ok, err := Find(Places{ConfigDir: cfg})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "https://convox:pw-9999@api.dev.example.org", l.RackURL)
}

func TestFindLegacyFiles(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".convox", "auth"), `{"rack.example.org":"legacy-key"}`)
	write(t, filepath.Join(home, ".convox", "rack"), "org/staging")

	l, ok, err := Find(Places{Home: home, XDGConfig: filepath.Join(home, "nothing")})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, Login{Host: "rack.example.org", Password: "legacy-key", Rack: "org/staging", Source: filepath.Join(home, ".convox", "auth")}, l)
}

func TestFindLegacySeveralHostsNeedsHostFile(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".convox", "auth"), `{"a.example.org":"k1-secret","b.example.org":"k2-secret"}`)
	_, _, err := Find(Places{Home: home})
	require.ErrorContains(t, err, "CONVOX_HOST")

	write(t, filepath.Join(home, ".convox", "host"), "b.example.org")
	l, ok, err := Find(Places{Home: home})
	require.NoError(t, err)
	require.True(t, ok)
	require.Equal(t, "k2-secret", l.Password)
}

func TestFindNothingSaved(t *testing.T) {
	_, ok, err := Find(Places{Home: t.TempDir()})
	require.NoError(t, err)
	require.False(t, ok)
}

func TestBrokenAuthFileNeverQuotesIt(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".convox", "auth"), `not json secret-value-here`)
	_, _, err := Find(Places{Home: home})
	require.Error(t, err)
	require.NotContains(t, err.Error(), "secret-value-here")
}

func TestDarwinDir(t *testing.T) {
	require.Equal(t, filepath.Join("/Users/a", "Library", "Preferences", "convox"), Places{Home: "/Users/a", Darwin: true}.Dir())
	require.Equal(t, "/x/convox", Places{Home: "/h", XDGConfig: "/x"}.Dir())
	require.Equal(t, "/c", Places{ConfigDir: "/c", Home: "/h"}.Dir())
}
