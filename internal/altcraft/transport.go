package altcraft

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
	"github.com/valyala/fasthttp/fasthttpproxy"
	"golang.org/x/net/http/httpproxy"
)

// route is how the client reaches the platform: directly or through a proxy,
// chosen once from HTTPS_PROXY / HTTP_PROXY / NO_PROXY as net/http and curl
// choose: an https URL uses HTTPS_PROXY only, an http URL HTTP_PROXY only,
// and this machine (localhost, loopback addresses) is never proxied.
type route struct {
	base     *url.URL
	proxy    *url.URL // nil: direct
	proxyEnv string   // the variable that named the proxy
}

func chooseRoute(u *url.URL) (route, error) {
	r := route{base: u, proxyEnv: "HTTP_PROXY"}
	if u.Scheme == "https" {
		r.proxyEnv = "HTTPS_PROXY"
	}
	if IsLoopback(u.Hostname()) {
		return r, nil
	}
	p, err := httpproxy.FromEnvironment().ProxyFunc()(&url.URL{Scheme: u.Scheme, Host: u.Host})
	if err != nil {
		return r, fmt.Errorf("the proxy settings (%s, NO_PROXY): %w", r.proxyEnv, err)
	}
	r.proxy = p
	return r, nil
}

// testResolver, when not nil, answers the client's name lookups (tests: no DNS queries leave the machine).
var testResolver fasthttp.Resolver

// dial returns the dial function of the route; its connections know when
// they were made (see freshConn).
func (r route) dial() (fasthttp.DialFunc, error) {
	d := &fasthttpproxy.Dialer{
		TCPDialer:     fasthttp.TCPDialer{Concurrency: 0, Resolver: testResolver},
		DialDualStack: true,
		Timeout:       10 * time.Second,
	}
	if r.proxy != nil {
		d.Config = httpproxy.Config{HTTPProxy: r.proxy.String(), HTTPSProxy: r.proxy.String()}
	}
	dial, err := d.GetDialFuncForTLS(false, r.base.Scheme == "https")
	if err != nil {
		return nil, fmt.Errorf("the proxy settings (%s, NO_PROXY): %w", r.proxyEnv, err)
	}
	return func(addr string) (net.Conn, error) {
		c, err := dial(addr)
		if err != nil {
			return nil, err
		}
		return &datedConn{Conn: c, local: datedAddr{Addr: c.LocalAddr(), made: time.Now()}}, nil
	}, nil
}

// datedConn is a connection that knows when it was made. fasthttp hands a
// response the connection's LocalAddr, so after a failed request the client
// can tell whether it went on a connection kept alive from before (which the
// server may have closed meanwhile: the request never reached it) or on a
// fresh one.
type datedConn struct {
	net.Conn
	local datedAddr
}

func (c *datedConn) LocalAddr() net.Addr { return &c.local }

type datedAddr struct {
	net.Addr
	made time.Time
}

// keptAlive reports whether the connection behind resp was made before start.
func keptAlive(resp *fasthttp.Response, start time.Time) bool {
	a, ok := resp.LocalAddr().(*datedAddr)
	return ok && a.made.Before(start)
}

// closedBeforeAnswer: the connection was closed or reset before a byte of an
// answer, the mark of a kept-alive connection the server had already given up on.
func closedBeforeAnswer(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// failedWriting: the connection failed while the request was being written
// (a broken pipe, a reset), not while its answer was awaited.
func failedWriting(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && op.Op == "write"
}

// IsLoopback reports whether host (a host name or address, without a port)
// is this machine: a loopback address, or localhost (with or without the
// trailing dot of a fully qualified name). It is the one answer to "is this
// machine" for the proxy choice, plain http and the sandbox's listen guard.
//
// A name under .localhost is not taken for this machine: RFC 6761 reserves
// them for loopback, but whether "api.localhost" resolves so depends on the
// machine's resolver (Go's own sends it to DNS unless nss-myhostname is
// configured), and plain http to a host that is not this machine would carry
// the token readable by anyone on the way. Such a name needs https or
// --insecure-http, and NO_PROXY to bypass a proxy.
func IsLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// wrongURL says what to fix when a transport error shows that the URL (or
// the proxy) cannot be right; nil when the error may pass (a timeout, a
// reset). The pool stops the run with it when the API has not answered yet.
func (r route) wrongURL(err error) error {
	host := r.base.Host
	var dnsErr *net.DNSError
	var recErr tls.RecordHeaderError
	switch {
	case r.proxy != nil && strings.Contains(err.Error(), "could not connect to proxy addr"):
		return fmt.Errorf("the proxy %s (from %s) refused to tunnel to %s (%s): check %s, or NO_PROXY if %s should be reached directly",
			r.proxy.Redacted(), r.proxyEnv, host, proxyStatus(err), r.proxyEnv, r.base.Hostname())
	case r.proxy != nil && (errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)):
		return fmt.Errorf("the proxy %s (from %s) cannot be reached (%s): check %s, or unset it to connect directly",
			r.proxy.Redacted(), r.proxyEnv, shortNetErr(err), r.proxyEnv)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("nothing listens at %s (connection refused): check the host and port in --url %s", hostPort(r.base), r.base.Redacted())
	case errors.As(err, &dnsErr):
		return fmt.Errorf("the host %q of --url %s cannot be found (DNS: %s): check its spelling", r.base.Hostname(), r.base.Redacted(), dnsErr.Err)
	case errors.As(err, &recErr):
		return fmt.Errorf("the server at %s speaks plain http, not https: check --url %s (http:// or another port)", hostPort(r.base), r.base.Redacted())
	}
	return nil
}

// reason is networkReason for this route: a failure to reach the proxy, or
// its refusal to tunnel, names the proxy and the variable it came from (a
// proxy that dies mid-run is not the platform being down).
func (r route) reason(err error) string {
	if r.proxy == nil {
		return networkReason(err)
	}
	var dnsErr *net.DNSError
	switch {
	case strings.Contains(err.Error(), "could not connect to proxy addr"):
		return fmt.Sprintf("the proxy %s (from %s) refused to tunnel to %s (%s)", r.proxy.Redacted(), r.proxyEnv, r.base.Host, proxyStatus(err))
	case errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return fmt.Sprintf("the proxy %s (from %s) cannot be reached (%s)", r.proxy.Redacted(), r.proxyEnv, shortNetErr(err))
	}
	return networkReason(err)
}

// wrongMethod is the error for an HTTP 404 without the API's answer: the
// method's address does not exist, so --url is not the platform's base.
func (r route) wrongMethod(path string) error {
	hint := ""
	if strings.Contains(r.base.Path, "/api") {
		hint = fmt.Sprintf(" without %s", strings.TrimRight(r.base.Path, "/"))
	}
	return fmt.Errorf("the API method %s%s is not found there (HTTP 404): --url must be the platform's base address, such as %s://%s%s",
		strings.TrimRight(r.base.Redacted(), "/"), path, r.base.Scheme, r.base.Host, hint)
}

// certificateError is a failed TLS verification: retrying cannot fix it, so
// it stops the run with what to do, by its cause. caFile: --ca-file was given.
//   - valid, but for other names: check the host in --url (--ca-file cannot help);
//   - expired or not yet valid: say the dates (--ca-file cannot help);
//   - issued by an authority not trusted, the server sending its certificate
//     alone: when it comes from a public authority (it names where its
//     issuer is published) or --ca-file was given, the server most likely
//     leaves out its intermediate certificate;
//   - otherwise, an unknown authority: give its certificate with --ca-file.
func certificateError(err error, host string, caFile bool) error {
	var herr x509.HostnameError
	if errors.As(err, &herr) && herr.Certificate != nil {
		names := herr.Certificate.DNSNames
		for _, ip := range herr.Certificate.IPAddresses {
			names = append(names, ip.String())
		}
		if len(names) == 0 && herr.Certificate.Subject.CommonName != "" {
			names = []string{herr.Certificate.Subject.CommonName}
		}
		return fmt.Errorf("the platform's TLS certificate is valid, but for %s, not for %q: check the host name in --url (the name the certificate is for)",
			strings.Join(names, ", "), host)
	}
	var cerr x509.CertificateInvalidError
	if errors.As(err, &cerr) && cerr.Cert != nil && (cerr.Reason == x509.Expired) {
		return expiredError(cerr.Cert, time.Now())
	}
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	hasV, hasU := errors.As(err, &verr), errors.As(err, &uerr)
	if hasU && hasV && len(verr.UnverifiedCertificates) == 1 {
		leaf := verr.UnverifiedCertificates[0]
		selfSigned := bytes.Equal(leaf.RawIssuer, leaf.RawSubject)
		if !selfSigned && (caFile || len(leaf.IssuingCertificateURL) > 0) {
			where := "nor by this machine"
			if caFile {
				where = "nor in --ca-file"
			}
			return fmt.Errorf("the platform's TLS certificate is issued by %q, which is neither sent by the server %s: "+
				"the server most likely leaves out its intermediate certificate; it must send its whole chain (nginx: ssl_certificate with the full chain), "+
				"or give the intermediate together with the root in --ca-file", leaf.Issuer.String(), where)
		}
	}
	if hasU || hasV || errors.As(err, &cerr) {
		issuer := ""
		if hasV && len(verr.UnverifiedCertificates) > 0 {
			chain := verr.UnverifiedCertificates
			issuer = fmt.Sprintf(" (issued by %q)", chain[len(chain)-1].Issuer.String())
		}
		return fmt.Errorf("the platform's TLS certificate is not trusted%s: %s; if it comes from your own certificate authority, give its certificate with --ca-file", issuer, networkReason(err))
	}
	return nil
}

// expiredError says when a certificate is valid: outside those dates --ca-file cannot help.
func expiredError(c *x509.Certificate, now time.Time) error {
	const day = "2006-01-02 15:04 MST"
	who := "the platform's TLS certificate"
	if c.IsCA {
		who = fmt.Sprintf("the certificate %q in the platform's TLS chain", c.Subject.String())
	}
	if now.Before(c.NotBefore) {
		return fmt.Errorf("%s is not valid yet: valid from %s to %s, and this machine's clock says %s; check the clock here (--ca-file cannot help)",
			who, c.NotBefore.UTC().Format(day), c.NotAfter.UTC().Format(day), now.UTC().Format(day))
	}
	return fmt.Errorf("%s expired on %s (valid from %s; now %s): the platform must renew it; --ca-file cannot help",
		who, c.NotAfter.UTC().Format(day), c.NotBefore.UTC().Format(day), now.UTC().Format(day))
}

func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}

func proxyStatus(err error) string {
	s := err.Error()
	if i := strings.Index(s, "status code: "); i >= 0 {
		return "HTTP " + strings.TrimSpace(s[i+len("status code: "):])
	}
	return shortNetErr(err)
}

func shortNetErr(err error) string {
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "unreachable"
	}
	var dnsErr *net.DNSError
	if errors.As(err, &dnsErr) {
		return "DNS: " + dnsErr.Err
	}
	return networkReason(err)
}
