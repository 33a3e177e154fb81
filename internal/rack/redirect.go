package rack

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// RedirectError is a redirect the client refused to follow: to another
// scheme, host or port than the one the credentials were given for. Nothing
// was sent there.
type RedirectError struct {
	From string // scheme://host[:port] the request went to
	To   string // where the answer pointed, without credentials
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("the server at %s redirected to %s: refused, the password and session are only sent to %s; "+
		"check CONVOX_HOST or RACK_URL (scheme, host and port) name the Rack itself", e.From, e.To, e.From)
}

// checkRedirect follows a redirect only to the same scheme, host and port
// (the credentials and the Console session travel with every request, and
// Go copies custom headers to any host), and for plain calls only for
// reads: Go would turn a redirected POST into a GET. A refused POST
// redirect comes back as the 3xx answer; a redirect elsewhere is a
// *RedirectError.
func checkRedirect(req *http.Request, via []*http.Request) error {
	if err := sameOrigin(via[0].URL, req.URL); err != nil {
		return err
	}
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	if m := via[0].Method; m != http.MethodGet && m != http.MethodHead {
		return http.ErrUseLastResponse
	}
	return nil
}

// sameOrigin is nil when to has from's scheme, host and port; a websocket
// URL counts as its HTTP scheme.
func sameOrigin(from, to *url.URL) error {
	if origin(from) == origin(to) {
		return nil
	}
	shown := *to
	shown.User = nil
	shown.RawQuery, shown.Fragment = "", ""
	return &RedirectError{From: origin(from), To: shown.String()}
}

// origin is scheme://host:port, with the default port made explicit.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	switch scheme {
	case "ws":
		scheme = "http"
	case "wss":
		scheme = "https"
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[scheme]
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}
