package config

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTargetAndImportConnections(t *testing.T) {
	env := map[string]string{"PROD_HOST": "https://prod.example.org", "PROD_KEY": "prod-key-1234", "STAGING_KEY": "staging-key-5678"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	f, err := Parse("convox-ci.yml", []byte(`app: a
targets:
  production:
    tags: ["v*"]
    rack: org/production
    host: ${PROD_HOST}
    password: ${PROD_KEY}
    steps:
      - import: {from: org/staging, host: staging.example.org, password: "${STAGING_KEY}"}
      - promote
`), lookup)
	require.NoError(t, err)
	tg := f.Targets[0]
	require.Equal(t, Connection{Host: "https://prod.example.org", Password: "prod-key-1234"}, tg.Conn)
	require.Equal(t, Connection{Host: "staging.example.org", Password: "staging-key-5678"}, tg.Steps[0].FromConn)
	require.ElementsMatch(t, []string{"prod-key-1234", "staging-key-5678"}, f.Secrets(), "passwords are secrets")
	require.NotContains(t, fmt.Sprintf("%#v %+v", tg.Conn, tg), "prod-key-1234")

	_, err = Parse("convox-ci.yml", []byte(`app: a
targets:
  production:
    tags: ["v*"]
    rack: org/production
    password: prod-key-1234
    steps: [deploy]
`), lookup)
	require.ErrorContains(t, err, "password must be a ${VAR}")
	require.NotContains(t, err.Error(), "prod-key-1234")
}

// A key inside host: is a credential too: written literally in the rules
// file it is refused (exit 2) without being repeated; as a ${VAR} it is
// taken, and the value is a secret.
func TestKeyInAHostMustBeAVariable(t *testing.T) {
	env := map[string]string{"PROD_KEY": "prod-key-1234"}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	for _, host := range []string{"https://convox:lit-key-5678@prod.example.org", "convox:lit-key-5678@prod.example.org:5443",
		"https://jwt:lit-key-5678${PROD_KEY}@prod.example.org"} {
		for _, where := range []string{"    host: %q\n    steps: [deploy]\n", "    steps:\n      - import: {from: org/staging, host: %q}\n      - promote\n"} {
			_, err := Parse("convox-ci.yml", []byte("app: a\ntargets:\n  production:\n    tags: [\"v*\"]\n    rack: org/production\n"+fmt.Sprintf(where, host)), lookup)
			var ce *Error
			require.ErrorAs(t, err, &ce, "%s in %q", host, where)
			require.ErrorContains(t, err, "${VAR}")
			require.NotContains(t, err.Error(), "lit-key-5678")
		}
	}
	f, err := Parse("convox-ci.yml", []byte(`app: a
targets:
  production:
    tags: ["v*"]
    rack: org/production
    host: https://convox:${PROD_KEY}@prod.example.org
    steps: [deploy]
`), lookup)
	require.NoError(t, err)
	require.Equal(t, "https://convox:prod-key-1234@prod.example.org", f.Targets[0].Conn.Host)
	require.Contains(t, f.Secrets(), "prod-key-1234", "the key in the host is a secret as soon as the file is read")
	require.NotContains(t, fmt.Sprintf("%#v", f.Targets[0].Conn), "prod-key-1234")
}

func TestHostKeyIsFoundInTheAuthorityOnly(t *testing.T) {
	for written, want := range map[string]string{
		"https://convox:k3y@rack.example.org":     "k3y",
		"convox:k3y@rack.example.org:5443":        "k3y",
		"https://convox:${K}@rack.example.org":    "${K}",
		"https://rack.example.org:5443/prefix@x":  "",
		"https://rack.example.org":                "",
		"${PROD_HOST}":                            "",
		" https://jwt:t0k@rack.example.org/api\n": "t0k",
	} {
		key, _ := hostKey(written)
		require.Equal(t, want, key, "%q", written)
	}
}
