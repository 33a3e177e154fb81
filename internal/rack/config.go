package rack

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"
	"github.com/rs/zerolog"
)

// Config says where the Rack is and how to reach it.
type Config struct {
	// Host is CONVOX_HOST: a host name as the Convox CLI takes it
	// ("console.convox.com", "rack.example.org:5443") or a URL with https://
	// or http://, optionally with a path prefix.
	Host     string
	Password string
	// Rack is the Console rack name ("org/rack"); when set (and RackURL is
	// empty) the client speaks to Host as Console.
	Rack string
	// RackURL is RACK_URL (https://convox:KEY@host, https://jwt:TOKEN@host):
	// it wins over Host and Password and is always direct.
	RackURL            string
	CAFile             string // PEM CAs trusted besides the system pool
	InsecureSkipVerify bool   // skip TLS verification
	Actor              string // CONVOX_ACTOR, sent as X-Convox-Actor
	Logger             zerolog.Logger
	RetryMax           int           // retries after the first attempt; 0: the default 4, negative: none
	RetryWaitMin       time.Duration // default 250ms
	RetryWaitMax       time.Duration // default 5s
	// AnswerTimeout is how long a plain call waits for the answer's headers
	// once its request is sent; 0: DefaultAnswerTimeout. Build export and
	// import and websockets are exempt.
	AnswerTimeout time.Duration
	Version       string // ours, for the User-Agent
	// Redactor hides secrets in server text before the client cuts it
	// (error bodies, page titles); nil: text is cut as it is, and must be
	// redacted whole by whoever prints it.
	Redactor Redactor
}

// Defaults for Config's retry settings.
const (
	DefaultRetryMax     = 4
	DefaultRetryWaitMin = 250 * time.Millisecond
	DefaultRetryWaitMax = 5 * time.Second
	// DefaultAnswerTimeout bounds the wait for a plain call's answer after
	// its request was sent, so that a gateway that forwards a request and
	// then stays silent (connection open) costs this, not the whole run's
	// --timeout: the timeout is then a lost answer like a reset (reads are
	// retried, a creation is ambiguous and looked up). A real Rack answers
	// these calls within seconds (build and release create, promote and
	// process start return once the Kubernetes objects are written; an
	// object upload answers once the body is stored, and the wait starts
	// only after the body is sent), so 2 minutes leaves ample room for a
	// loaded Rack. Build export and import copy images to or from the
	// registry before answering and are exempt.
	DefaultAnswerTimeout = 2 * time.Minute
)

// Client talks to one Rack, directly or through Console. It is safe for
// concurrent use.
type Client struct {
	base      *url.URL // scheme, host and path prefix; never credentials
	user      string
	password  string
	actor     string
	userAgent string
	console   bool // Config.Rack named a Console rack
	rackURL   bool // the endpoint came from RACK_URL
	wantRack  string
	log       zerolog.Logger
	redact    Redactor
	http      *retryablehttp.Client
	ws        *http.Client
	ping      time.Duration

	resolveMu sync.Mutex // held while resolving the rack name
	mu        sync.Mutex // guards the fields below
	resolved  bool
	direct    bool   // Console mode fell back to direct: GET /racks answered 404
	rackName  string // resolved org/rack
	mismatch  error  // the rack asked for is not there (Console's list) or not this Rack (direct)
	session   string
}

// userinfo is the Basic-auth user and password: "convox" and password,
// unless the URL carries them (its password wins only with urlWins, as
// RACK_URL's does); the URL keeps no credentials afterwards.
func userinfo(u *url.URL, password string, urlWins bool) (string, string) {
	user := "convox"
	if u.User != nil {
		if name := u.User.Username(); name != "" {
			user = name
		}
		if pw, ok := u.User.Password(); ok && (urlWins || password == "") {
			password = pw
		}
	}
	u.User = nil
	return user, password
}

// New checks cfg and builds the client (one retryablehttp client for all
// plain calls, one websocket dialer). It sends nothing.
func New(cfg Config) (*Client, error) {
	c := &Client{
		actor:  cfg.Actor,
		log:    cfg.Logger,
		ping:   5 * time.Second,
		redact: cfg.Redactor,
	}
	if c.redact == nil {
		c.redact = noRedactor{}
	}
	switch {
	case strings.TrimSpace(cfg.RackURL) != "":
		u, err := parseEndpoint(cfg.RackURL, "RACK_URL")
		if err != nil {
			return nil, err
		}
		c.user, c.password = userinfo(u, cfg.Password, true)
		c.base = u
		c.rackURL = true
		c.wantRack = strings.TrimSpace(cfg.Rack) // checked against the Rack's own name (resolve)
	case strings.TrimSpace(cfg.Host) != "":
		u, err := parseEndpoint(cfg.Host, "CONVOX_HOST")
		if err != nil {
			return nil, err
		}
		c.user, c.password = userinfo(u, cfg.Password, false)
		c.base = u
		c.wantRack = strings.TrimSpace(cfg.Rack)
		c.console = c.wantRack != ""
	default:
		return nil, errors.New("no Rack to talk to: set CONVOX_HOST and CONVOX_PASSWORD " +
			"(console.convox.com with a deploy key and the rack as org/rack, or your Rack's host with its API password), " +
			"or RACK_URL=https://convox:<password>@<rack host>")
	}

	tlsConf, err := tlsConfig(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.InsecureSkipVerify {
		c.log.Warn().Str("host", c.base.Host).Msg("TLS certificate verification is disabled: anyone between here and the Rack can read the password")
	}
	version := cfg.Version
	if version == "" {
		version = "dev"
	}
	c.userAgent = "convox.go/dev convox-ci/" + version

	c.http = c.newRetryClient(cfg, tlsConf)
	wsTransport := newTransport(tlsConf)
	wsTransport.DisableCompression = true
	// Each handshake on its own connection: Go's transport silently re-sends
	// a bodiless GET that fails on a reused connection, and a re-sent exec
	// handshake would run the command twice.
	wsTransport.DisableKeepAlives = true
	c.ws = &http.Client{Transport: &logTransport{next: wsTransport, log: &c.log}, CheckRedirect: checkRedirect}
	return c, nil
}

// Credentials is the Basic-auth user and key that an endpoint (RACK_URL or
// CONVOX_HOST) carries, read as New reads it (trimmed of whitespace, https://
// when no scheme is given): the caller registers the key as a secret before
// anything runs. When the value is no URL, the text between "://" (if any)
// and the last "@" is taken as user:key all the same, so that a key that
// breaks the URL is still known. Empty when there is no key.
func Credentials(raw string) (user, key string) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	if u, err := url.Parse(s); err == nil {
		if u.User == nil {
			return "", ""
		}
		pw, _ := u.User.Password()
		return u.User.Username(), pw
	}
	rest := s[strings.Index(s, "://")+3:]
	at := strings.LastIndex(rest, "@")
	if at < 0 {
		return "", ""
	}
	user, key, _ = strings.Cut(rest[:at], ":")
	if k, err := url.PathUnescape(key); err == nil {
		key = k
	}
	return user, key
}

// HostOf is the host (and port) an endpoint names, without credentials, for
// messages; "the URL given" when it is none.
func HostOf(raw string) string {
	u, err := parseEndpoint(raw, "")
	if err != nil {
		return "the URL given"
	}
	return u.Host
}

// parseEndpoint reads a host or URL as the Convox CLI takes it. Its errors
// never repeat the value: it may carry a password.
func parseEndpoint(raw, name string) (*url.URL, error) {
	s := strings.TrimSpace(raw)
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("%s is not a host name or URL (expected e.g. rack.example.org or https://convox:<password>@rack.example.org)", name)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("%s: unsupported scheme %q: use https:// (or http:// for a Rack without TLS)", name, u.Scheme)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("%s has no host name", name)
	}
	u.Host = strings.ToLower(u.Host)
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	u.RawQuery, u.Fragment, u.ForceQuery = "", "", false
	return u, nil
}

func tlsConfig(cfg Config) (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		data, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("reading the CA file: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		pins, err := leafCertificates(data)
		if err != nil {
			return nil, fmt.Errorf("reading the CA file %s: %w", cfg.CAFile, err)
		}
		if !pool.AppendCertsFromPEM(data) {
			return nil, fmt.Errorf("reading the CA file %s: no PEM certificates in it", cfg.CAFile)
		}
		conf.RootCAs = pool
		if len(pins) > 0 && !cfg.InsecureSkipVerify {
			// A Rack's own certificate is a self-signed leaf (stdapi:
			// CN=api, SAN DNS:api, no IP SAN, not a CA), so no host name it is
			// reached by matches it. Given such a certificate, trust exactly
			// it, whatever the name; anything else is verified as usual.
			conf.InsecureSkipVerify = true //nolint:gosec // verified in VerifyConnection
			conf.VerifyConnection = func(cs tls.ConnectionState) error {
				return verifyPinned(cs, pins, pool)
			}
		}
	}
	if cfg.InsecureSkipVerify {
		conf.InsecureSkipVerify = true //nolint:gosec // the user asked for it, and is warned
		conf.VerifyConnection = nil
	}
	return conf, nil
}

// leafCertificates are the certificates of a PEM file that are no CA: a
// server's own certificate, to be trusted exactly.
func leafCertificates(data []byte) ([]*x509.Certificate, error) {
	var leaves []*x509.Certificate
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return leaves, nil
		}
		if block.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("a certificate in it cannot be read: %w", err)
		}
		if !c.IsCA {
			leaves = append(leaves, c)
		}
	}
}

// verifyPinned accepts a server whose certificate is one of pins, byte for
// byte, and otherwise verifies its chain and name against roots.
func verifyPinned(cs tls.ConnectionState, pins []*x509.Certificate, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("the server sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	for _, p := range pins {
		if bytes.Equal(leaf.Raw, p.Raw) {
			return nil
		}
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{DNSName: cs.ServerName, Roots: roots, Intermediates: inter})
	if err != nil {
		return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
	}
	return nil
}

// newTransport is cleanhttp's pooled transport (proxy from the environment,
// keep-alives) with our TLS settings, speaking HTTP/1.1 as the CLI does.
func newTransport(tlsConf *tls.Config) *http.Transport {
	t := cleanhttp.DefaultPooledTransport()
	t.TLSClientConfig = tlsConf.Clone()
	t.ForceAttemptHTTP2 = false
	return t
}

// Host is the host (and port) the client talks to, for messages.
func (c *Client) Host() string { return c.base.Host }

// Console reports whether calls go through Convox Console (with a Rack
// header). It turns false if Console mode was asked for but the host turned
// out to be a Rack.
func (c *Client) Console() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.console && !c.direct
}

// RackName is the Console rack name: the resolved org/rack once a call has
// resolved it, else the name given; empty on a direct Rack.
func (c *Client) RackName() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.console || c.direct {
		return ""
	}
	if c.rackName != "" {
		return c.rackName
	}
	return c.wantRack
}
