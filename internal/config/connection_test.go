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
	require.NotContains(t, fmt.Sprintf("%#v %v", tg.Conn, tg.Conn), "prod-key-1234")

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
