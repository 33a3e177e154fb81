package racksim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// apiError is an error with an HTTP status, like stdapi.Errorf.
type apiError struct {
	code int
	msg  string
}

func (e *apiError) Error() string { return e.msg }

func errorf(code int, format string, args ...any) error {
	return &apiError{code: code, msg: fmt.Sprintf(format, args...)}
}

func notFound(format string, args ...any) error {
	return errorf(http.StatusNotFound, format, args...)
}

// k8sNotFound is how the real k8s provider answers an unknown build, release
// or process: the Kubernetes API's error (names are lower-cased, as the
// provider looks them up), which carries no HTTP status, so stdapi answers
// 500: `builds.convox.com "bxxxxxxxxxx" not found`, `pods "web-x" not found`.
func k8sNotFound(resource, name string) error {
	return errorf(http.StatusInternalServerError, "%s %q not found", resource, strings.ToLower(name))
}

// acceptsJSON mirrors stdapi: any Accept media type equal to application/json.
func acceptsJSON(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept"), ",") {
		if strings.TrimSpace(strings.SplitN(part, ";", 2)[0]) == "application/json" {
			return true
		}
	}
	return false
}

// writeError renders err as stdapi does: {"error":...} for JSON clients,
// else http.Error's text/plain "<message>\n".
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := http.StatusInternalServerError
	var ae *apiError
	if errors.As(err, &ae) {
		code = ae.code
	}
	if acceptsJSON(r) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_ = json.NewEncoder(w).Encode(map[string]string{"error": err.Error()})
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(code)
	_, _ = fmt.Fprintln(w, err.Error())
}

// renderJSON writes v indented two spaces with a trailing newline.
func renderJSON(w http.ResponseWriter, v any) error {
	data, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("rendering json: %w", err)
	}
	w.Header().Set("Content-Type", "application/json")
	_, err = w.Write(append(data, '\n'))
	return err
}

// renderOK is the "ok\n" answer of action endpoints.
func renderOK(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, err := w.Write([]byte("ok\n"))
	return err
}

// writeScripted answers a Respond rule.
func writeScripted(w http.ResponseWriter, rule *scripted) {
	body := strings.TrimSpace(rule.body)
	switch {
	case body == "":
	case strings.HasPrefix(body, "{") || strings.HasPrefix(body, "["):
		w.Header().Set("Content-Type", "application/json")
	case strings.HasPrefix(body, "<"):
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	}
	w.WriteHeader(rule.status)
	_, _ = w.Write([]byte(rule.body))
}

func parseInt(s string) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("parsing %q: %w", s, err)
	}
	return n, nil
}

// parseBool reads an option the way stdapi does; "" means unset.
func parseBool(s string) (value, set bool, err error) {
	if s == "" {
		return false, false, nil
	}
	b, err := strconv.ParseBool(s)
	if err != nil {
		return false, false, fmt.Errorf("invalid boolean: %s", s)
	}
	return b, true, nil
}

// limitParam reads the limit query (default 10).
func limitParam(r *http.Request) (int, error) {
	v := r.Form.Get("limit")
	if v == "" {
		return 10, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errorf(http.StatusBadRequest, "invalid limit: %s", v)
	}
	return n, nil
}

func trimLines(b []byte) []string {
	b = bytes.TrimRight(b, "\n")
	if len(b) == 0 {
		return nil
	}
	return strings.Split(string(b), "\n")
}
