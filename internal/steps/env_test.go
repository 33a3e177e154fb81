package steps

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseAssignment(t *testing.T) {
	for name, tc := range map[string]struct {
		in      string
		want    EnvVar
		wantErr string
	}{
		"simple":             {in: "A=1", want: EnvVar{Key: "A", Value: "1"}},
		"empty value":        {in: "A=", want: EnvVar{Key: "A", Value: ""}},
		"equals in value":    {in: "URL=a=b=c", want: EnvVar{Key: "URL", Value: "a=b=c"}},
		"underscore start":   {in: "_X=y", want: EnvVar{Key: "_X", Value: "y"}},
		"no equals":          {in: "NOVALUE", wantErr: `no "="; write NOVALUE=VALUE`},
		"digit first":        {in: "1A=x", wantErr: "invalid environment variable name"},
		"dash":               {in: "A-B=x", wantErr: "invalid environment variable name"},
		"empty key":          {in: "=x", wantErr: "invalid environment variable name"},
		"line break":         {in: "A=x\ny", wantErr: "line break"},
		"value without key":  {in: "postgres://u:Pw0rdX@db/x?sslmode=require", wantErr: "not repeated"},
		"no equals nonsense": {in: "some secret words", wantErr: "write KEY=VALUE"},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseAssignment(tc.in)
			if tc.wantErr != "" {
				require.ErrorContains(t, err, tc.wantErr)
				if _, v, ok := strings.Cut(tc.in, "="); ok && v != "" {
					require.NotContains(t, err.Error(), v, "the value never appears in the error")
				}
				return
			}
			require.NoError(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestParseDotenv(t *testing.T) {
	got, err := ParseDotenv("# c\n\nexport A=1\nB='x # y'\nC=\"q\\\"z\"\nD=plain # comment\r\n")
	require.NoError(t, err)
	require.Equal(t, []EnvVar{{Key: "A", Value: "1"}, {Key: "B", Value: "x # y"}, {Key: "C", Value: `q"z`}, {Key: "D", Value: "plain"}}, got)

	for name, in := range map[string]string{
		"no equals":    "A=1\nBROKEN\n",
		"bad key":      "9A=secret-thing\n",
		"open quote":   "A='secret-thing\n",
		"escaped line": "A=\"one\\ntwo\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ParseDotenv(in)
			require.Error(t, err)
			require.Contains(t, err.Error(), "line ")
			require.NotContains(t, err.Error(), "secret-thing")
		})
	}
}

func TestRenderSortsAndKeepsTheLastValue(t *testing.T) {
	require.Equal(t, "A=1\nB=3", Render([]EnvVar{{Key: "B", Value: "2"}, {Key: "A", Value: "1"}, {Key: "B", Value: "3"}}))
	require.Equal(t, "", Render(nil))
}

func TestShellJoin(t *testing.T) {
	require.Equal(t, "bin/migrate --all", ShellJoin([]string{"bin/migrate --all"}), "one argument is a command line, as with the Convox CLI")
	require.Equal(t, "bin/migrate --all", ShellJoin([]string{"bin/migrate", "--all"}))
	require.Equal(t, `sh -c 'a && b'`, ShellJoin([]string{"sh", "-c", "a && b"}))
	require.Equal(t, `echo 'it'\''s' ''`, ShellJoin([]string{"echo", "it's", ""}))
}

func FuzzParseAssignment(f *testing.F) {
	for _, s := range []string{"A=1", "=", "A", "A=b=c", "A=\n", "_=_", "é=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := ParseAssignment(s)
		if err != nil {
			if _, val, ok := strings.Cut(s, "="); ok && len(val) >= 8 && !strings.Contains(s[:strings.Index(s, "=")], val) {
				if strings.Contains(err.Error(), val) {
					t.Fatalf("error repeats the value: %v", err)
				}
			}
			return
		}
		if v.Key+"="+v.Value != s {
			t.Fatalf("round trip: %q -> %#v", s, v)
		}
		if ValidateKey(v.Key) != nil || strings.ContainsAny(v.Value, "\r\n") {
			t.Fatalf("accepted an invalid assignment %q", s)
		}
	})
}

func FuzzParseDotenv(f *testing.F) {
	for _, s := range []string{"A=1\n", "export A='x'\n", "A=\"a\\nb\"\n", "# c\nB=2 # d\n", "A='", "A=\"\\x\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		vars, err := ParseDotenv(s)
		if err != nil {
			return
		}
		for _, v := range vars {
			if ValidateKey(v.Key) != nil || strings.ContainsAny(v.Value, "\r\n") {
				t.Fatalf("accepted an invalid entry %#v from %q", v, s)
			}
		}
		// what Render writes, ParseEnv reads back
		back := ParseEnv(Render(vars))
		if Render(back) != Render(vars) {
			t.Fatalf("render/parse round trip differs for %q", s)
		}
	})
}

func TestAValuePastedWithoutItsKeyIsNeverRepeated(t *testing.T) {
	for _, in := range []string{"postgres://u:Pw0rdX@db/x?sslmode=require", "Pw0rdX:with spaces=1"} {
		_, err := ParseAssignment(in)
		require.Error(t, err)
		require.NotContains(t, err.Error(), "Pw0rdX")
	}
}
