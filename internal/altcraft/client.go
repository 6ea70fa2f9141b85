package altcraft

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/valyala/fasthttp"

	"github.com/acimport/acimport/internal/errs"
)

// maxAnswerBytes bounds how much of an answer is read: a real answer is a few
// hundred bytes, and a proxy's error page must not be buffered whole.
const maxAnswerBytes = 1 << 20

// maxHeaderBytes bounds an answer's headers, a buffer per connection.
const maxHeaderBytes = 32 << 10

// Request is one call of the API: a method and its JSON body (without the token).
type Request struct {
	Method Method
	Body   []byte
	// Items is how many profiles a batch method's data holds: its answer must
	// give as many results. Unused for the single-profile methods.
	Items int
	// ID is sent as the Request-ID and X-Request-ID headers: the platform's
	// deduplication key. The same on every retry of this request and on its
	// re-send after --resume; "" sends neither header.
	ID string
}

// Sender sends one request and classifies its answer. *Client is the real one;
// tests and benchmarks give their own.
type Sender interface {
	Send(ctx context.Context, req Request) Result
}

// Kind says what the caller does with a result.
type Kind int

const (
	// OK: the profile was imported.
	OK Kind = iota
	// Rejected: the API refused this row; retrying will not help.
	Rejected
	// Transient: retry with backoff (429, 5xx, timeouts, connection errors).
	Transient
	// Fatal: the whole run is doomed (bad token, no rights, plan exhausted, no such database).
	Fatal
)

// Result is the outcome of one attempt.
type Result struct {
	Kind      Kind
	ProfileID string     // for OK
	Code      RejectCode // for Rejected and Transient: api_<N>, http_<status>, http_<status>_invalid, network
	Reason    string
	// Status is the answer's HTTP status; 0 when no answer came (a network
	// failure). A reader that needs the status need not parse Reason for it.
	Status int
	// RateLimited: the answer was HTTP 429, the platform pacing its clients.
	RateLimited bool
	// RetryAfter is the server's Retry-After, when it gave one.
	RetryAfter time.Duration
	// Err is set for Fatal results: the run-wide error to stop with.
	Err error
	// Items is an OK batch answer's outcome of each profile, in request order.
	Items []ItemResult
	// WrongURL, when set, says that the URL or the proxy cannot be right
	// (connection refused, no such host, plain http on an https URL, no such
	// API method, a proxy refusing the tunnel): before the API ever answered
	// the run, it is the run-wide error to stop with; after, the result
	// counts as its Kind says (the URL was right: the platform is down).
	WrongURL error
	// Replayed: the answer carried Duplicate-Request: true (or
	// X-Duplicate-Request): the platform had already applied this request and
	// answered it from its deduplication store.
	Replayed bool
	// Ambiguous: the request was written and no readable answer came (a
	// timeout, a reset, a 502/504 from a proxy, an unreadable body): the
	// platform may have applied it. Also set on any answer to a request the
	// client sent again itself (Resends) after a kept-alive connection closed
	// once the request had been written whole: the first may have been applied.
	Ambiguous bool
	// Resends counts the times the client sent the request again itself,
	// after a connection kept alive from before failed under it. Each is a
	// retry, for the run's count.
	Resends int
	// BodyCutOff: a connection made for the request was closed or reset
	// before any answer, while its body was being written or right after: the
	// way a proxy refuses a body over its limit without reading it (a large
	// body may sit whole in the sockets' buffers when the reset comes). When
	// the body had been written whole, Ambiguous is set too.
	BodyCutOff bool
}

// ItemResult is the outcome of one profile of a batch: OK with its profile id,
// Rejected with a code and reason, or Fatal with the run-wide Err.
type ItemResult struct {
	Kind      Kind
	ProfileID string
	Code      RejectCode
	Reason    string
	Err       error
}

// Kinds of the errors that stop a run before the API ever answered, for the caller's
// classification (errors.Is); each reads as its own message, which says what to fix.
var (
	// ErrWrongURL: the URL or the proxy cannot be right (connection refused, no such
	// host, plain http spoken, no such API method there). Result.WrongURL matches it.
	ErrWrongURL = errors.New("wrong URL")
	// ErrCertificate: the platform's TLS certificate is not trusted, or is for another host.
	ErrCertificate = errors.New("untrusted certificate")
)

// URLError is a --url that is not a base URL: a scheme and a host, such as
// https://example.com, to which the API's paths are added.
type URLError struct {
	URL string // as given
}

func (e *URLError) Error() string {
	return fmt.Sprintf("--url %q is not a base URL such as https://example.com", e.URL)
}

// Options configure a Client. Zero values are noted.
type Options struct {
	// URL is the platform's base URL, e.g. https://example.com.
	URL string
	// Token is the API token, sent in the JSON body as "token" (every
	// platform version reads it there) and in the Authorization header.
	Token string
	// Workers sizes the connection pool so that every worker keeps its
	// keep-alive connection; 0 means 1.
	Workers int
	// Timeout bounds each request; 0 means 30 s.
	Timeout time.Duration
	// RootCAs, when not nil, are the CAs trusted instead of the system's.
	RootCAs *x509.CertPool
}

// Client sends one request at a time per caller; it is safe for concurrent use.
//
// It is built on fasthttp rather than net/http: a row costs the client much less
// CPU (the README's benchmark table has the figures), and on a machine that also
// runs the server, that CPU is rows per second. fasthttp never follows a redirect
// from Do, which is what the token needs.
type Client struct {
	endpoints map[Method]*fasthttp.URI // parsed once, copied into each request
	token     string
	auth      []byte // the Authorization header's value, built once
	bodyToken []byte // "token":"…", the body's first member, built once
	timeout   time.Duration
	doer      doer
	route     route
	caFile    bool // Options.RootCAs given: --ca-file, for the TLS advice
	// maxResends bounds the resends after dead kept-alive connections: one
	// for each connection the pool may hold, and a fresh one.
	maxResends int
}

// doer is the transport: *fasthttp.HostClient.
type doer interface {
	DoTimeout(req *fasthttp.Request, resp *fasthttp.Response, timeout time.Duration) error
}

// Header names and values every request carries, in canonical form so that
// fasthttp need not normalise them again for each row.
var (
	headerAccept        = []byte("Accept")
	headerAuthorization = []byte("Authorization")
	jsonType            = []byte("application/json")
	// The platform's deduplication key (newest copies: Request-ID; older
	// ones make a request distinct by X-Request-ID), and its mark on a
	// repeat's answer. See altcraft-api.md, "Deduplication of requests".
	headerRequestID  = []byte("Request-Id")
	headerXRequestID = []byte("X-Request-Id")
	headerDuplicate  = "Duplicate-Request"
	headerXDuplicate = "X-Duplicate-Request"
)

// NewClient returns a client for the platform at o.URL. Its errors say what
// to fix in the URL or the proxy settings.
func NewClient(o Options) (*Client, error) {
	if o.Workers < 1 {
		o.Workers = 1
	}
	if o.Timeout <= 0 {
		o.Timeout = 30 * time.Second
	}
	u, err := url.Parse(o.URL)
	if err != nil || u.Host == "" {
		return nil, &URLError{URL: o.URL}
	}
	rt, err := chooseRoute(u)
	if err != nil {
		return nil, err
	}
	hc, err := newHostClient(u, rt, o.Workers, o.Timeout, o.RootCAs)
	if err != nil {
		return nil, err
	}
	quoted, _ := json.Marshal(o.Token) // a string always marshals
	c := &Client{
		endpoints:  make(map[Method]*fasthttp.URI, len(Methods)),
		token:      o.Token,
		auth:       []byte("Bearer " + o.Token),
		bodyToken:  append([]byte(`"token":`), quoted...),
		timeout:    o.Timeout,
		doer:       hc,
		route:      rt,
		maxResends: hc.MaxConns + 1,
		caFile:     o.RootCAs != nil,
	}
	base := strings.TrimRight(o.URL, "/")
	for _, m := range Methods {
		endpoint := fasthttp.AcquireURI()
		if err := endpoint.Parse(nil, []byte(base+m.Path())); err != nil {
			return nil, &URLError{URL: o.URL}
		}
		c.endpoints[m] = endpoint
	}
	return c, nil
}

// newHostClient keeps one keep-alive connection per worker (and room for as
// many being replaced) to the platform, along the route (directly or through
// the proxy).
func newHostClient(u *url.URL, rt route, workers int, timeout time.Duration, roots *x509.CertPool) (*fasthttp.HostClient, error) {
	isTLS := u.Scheme == "https"
	dial, err := rt.dial()
	if err != nil {
		return nil, err
	}
	return &fasthttp.HostClient{
		Addr:      fasthttp.AddMissingPort(u.Host, isTLS),
		Name:      "acimport",
		IsTLS:     isTLS,
		TLSConfig: &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots, ServerName: u.Hostname()},
		Dial:      dial,
		MaxConns:  workers * 2,
		// A worker waits for a connection rather than failing at once.
		MaxConnWaitTimeout:  timeout,
		MaxIdleConnDuration: 10 * time.Second,
		ReadTimeout:         timeout,
		WriteTimeout:        timeout,
		MaxResponseBodySize: maxAnswerBytes,
		// Headers must fit the read buffer; fasthttp's 4 KiB default is short
		// of what a proxy or CDN may send (cookies), net/http takes far more.
		ReadBufferSize: maxHeaderBytes,
		// fasthttp sends a request once; Send resends after a dead kept-alive
		// connection itself, for it alone can tell such a connection from a fresh one.
		MaxIdemponentCallAttempts: 1,
		DisablePathNormalizing:    true,
	}, nil
}

// Send posts one request and classifies the answer. Requests are never cut
// short by ctx (a stop lets them finish, within the timeout); a cancelled ctx
// only keeps a new one from starting.
func (c *Client) Send(ctx context.Context, r Request) (res Result) {
	if err := ctx.Err(); err != nil {
		return Result{Kind: Transient, Code: RejectNetwork, Reason: err.Error()}
	}
	endpoint := c.endpoints[r.Method]
	if endpoint == nil {
		return Result{Kind: Fatal, Err: fmt.Errorf("internal error: unknown API method %q", r.Method)}
	}
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetURI(endpoint)
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.SetContentTypeBytes(jsonType)
	req.Header.SetCanonical(headerAccept, jsonType)
	req.Header.SetCanonical(headerAuthorization, c.auth)
	if r.ID != "" {
		req.Header.SetCanonical(headerRequestID, []byte(r.ID))
		req.Header.SetCanonical(headerXRequestID, []byte(r.ID))
	}
	c.setBody(req, r.Body)
	var tr tries
	defer func() { tr.mark(&res) }()
	err := c.do(req, resp, &tr)
	if errors.Is(err, fasthttp.ErrBodyTooLarge) {
		// Status and headers were read; an answer this long is not the API's,
		// and what matters of it is the status.
		res := c.redact(classify(resp.StatusCode(), "", nil))
		res.Status = resp.StatusCode()
		return res
	}
	if err != nil {
		if tlsErr := certificateError(err, c.route.base.Hostname(), c.caFile); tlsErr != nil {
			return Result{Kind: Fatal, Err: errs.Mark(ErrCertificate, tlsErr)}
		}
		return Result{Kind: Transient, Code: RejectNetwork, Reason: c.route.reason(err), WrongURL: errs.Mark(ErrWrongURL, c.route.wrongURL(err)), Ambiguous: written(err)}
	}
	body, err := decodedBody(resp)
	if err != nil {
		return c.redact(undecodable(resp, err))
	}
	if r.Method.Batch() {
		res = c.redact(classifyBatch(resp.StatusCode(), string(resp.Header.Peek("Retry-After")), body, r.Items))
	} else {
		res = c.redact(classify(resp.StatusCode(), string(resp.Header.Peek("Retry-After")), body))
	}
	res.Status = resp.StatusCode()
	res.Replayed = duplicate(resp)
	// A proxy's 502 or 504: the platform behind it may have applied the request. So may have
	// the server that closed a kept-alive connection under a request do sent again (tries.mark).
	res.Ambiguous = res.Ambiguous || res.Status == http.StatusBadGateway || res.Status == http.StatusGatewayTimeout
	if resp.StatusCode() == http.StatusNotFound && res.Kind == Rejected && res.Code == RejectHTTP(http.StatusNotFound) {
		// Not the API's answer (it answers JSON): no such method at this address.
		res.WrongURL = errs.Mark(ErrWrongURL, c.route.wrongMethod(r.Method.Path()))
	}
	return res
}

// duplicate reports whether an answer says it is the platform's stored answer
// to a repeat of a request it had already applied.
func duplicate(resp *fasthttp.Response) bool {
	for _, h := range [...]string{headerDuplicate, headerXDuplicate} {
		if v := resp.Header.Peek(h); len(v) > 0 && strings.EqualFold(strings.TrimSpace(string(v)), "true") {
			return true
		}
	}
	return false
}

// written reports whether a request that failed with err may have reached the
// platform: the request was written (or being written) when the connection
// timed out, was reset or closed without an answer. A failure to connect, or
// to get a connection from the pool, sent nothing.
func written(err error) bool {
	var dnsErr *net.DNSError
	switch {
	case errors.Is(err, fasthttp.ErrDialTimeout), errors.Is(err, fasthttp.ErrNoFreeConns),
		errors.Is(err, syscall.ECONNREFUSED), errors.As(err, &dnsErr),
		errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return false
	}
	var te interface{ Timeout() bool }
	return (errors.As(err, &te) && te.Timeout()) || closedBeforeAnswer(err) || errors.Is(err, fasthttp.ErrTimeout)
}

// setBody writes the request body with the token as its first member:
// {"token":"…",<the members of body>}. body is a JSON object.
func (c *Client) setBody(req *fasthttp.Request, body []byte) {
	if len(body) < 2 || body[0] != '{' {
		req.SetBodyRaw(body)
		return
	}
	rest := body[1:]
	req.AppendBody(body[:1])
	req.AppendBody(c.bodyToken)
	if t := bytes.TrimLeft(rest, " \t\r\n"); len(t) > 0 && t[0] != '}' {
		req.AppendBody([]byte{','})
	}
	req.AppendBody(rest)
}

// do sends req. A request that fails on a connection kept alive from before
// it started, closed before a byte of an answer, most likely never reached the
// server (the server had closed it: a graceful reload, an idle timeout): it
// goes again at once, until it has been tried on a connection made for it.
// Each such resend is counted in tr, and when the request had been written
// whole before the connection closed, the server may have received it (one
// that imports a row and then closes without answering): tr marks the
// result Ambiguous, for the runs that must not apply a request twice.
func (c *Client) do(req *fasthttp.Request, resp *fasthttp.Response, tr *tries) error {
	start := time.Now()
	for n := 0; ; n++ {
		err := c.doer.DoTimeout(req, resp, c.timeout)
		tr.fresh = !keptAlive(resp, start)
		tr.err = err
		if err == nil || n >= c.maxResends || !closedBeforeAnswer(err) || tr.fresh {
			return err
		}
		tr.resends++
		if !failedWriting(err) {
			tr.written = true
		}
	}
}

// tries is what sending one request took: the resends after dead kept-alive
// connections, and how the last try failed.
type tries struct {
	resends int
	written bool  // a try that was resent had been written whole
	fresh   bool  // the last try went on a connection made for it
	err     error // the last try's error
}

// mark tells res what the tries were: resends, an ambiguous first try, a body
// cut off while it was being sent.
func (t *tries) mark(res *Result) {
	res.Resends = t.resends
	if t.written {
		res.Ambiguous = true
	}
	if t.err != nil && t.fresh && res.Kind == Transient && (failedWriting(t.err) || closedBeforeAnswer(t.err)) {
		res.BodyCutOff = true
		if !failedWriting(t.err) {
			res.Ambiguous = true
		}
	}
}

// redact keeps the token out of reasons and errors even when a server or proxy
// echoes the request back in its answer: they end up in reject files and logs.
func (c *Client) redact(a Result) Result {
	if len(c.token) < 4 {
		return a
	}
	a.Reason = strings.ReplaceAll(a.Reason, c.token, "[token]")
	var ae *APIError
	if errors.As(a.Err, &ae) {
		ae.Text = strings.ReplaceAll(ae.Text, c.token, "[token]")
	}
	for i := range a.Items {
		it := &a.Items[i]
		it.Reason = strings.ReplaceAll(it.Reason, c.token, "[token]")
		if errors.As(it.Err, &ae) {
			ae.Text = strings.ReplaceAll(ae.Text, c.token, "[token]")
		}
	}
	return a
}

// networkReason describes a transport error in words for the reject file:
// never with request headers, and without the client library's jargon.
func networkReason(err error) string {
	var te interface{ Timeout() bool }
	switch {
	case errors.Is(err, fasthttp.ErrDialTimeout):
		return "timeout: could not connect in time"
	case errors.As(err, &te) && te.Timeout():
		return "timeout: no answer in time"
	case errors.Is(err, io.EOF) || errors.Is(err, fasthttp.ErrConnectionClosed):
		return "the server closed the connection without an answer"
	case errors.Is(err, fasthttp.ErrSmallReadBuffer) || strings.Contains(err.Error(), "small read buffer"):
		// fasthttp reports it wrapped without %w when reading headers.
		return fmt.Sprintf("the answer's headers are longer than %d KiB", maxHeaderBytes>>10)
	}
	return snippet([]byte(strings.ReplaceAll(err.Error(), "fasthttp: ", "")))
}

// classify turns an HTTP status and body into a Result, as the vendor documents answers:
// 429 and 5xx are transient whatever the body; otherwise a JSON body with a
// non-zero error is an API error whatever the status.
func classify(status int, retryAfter string, raw []byte) Result {
	httpCode := RejectHTTP(status)
	if TransientStatus(status) {
		return Result{Kind: Transient, Code: httpCode, Reason: httpReason(status, raw),
			RateLimited: status == http.StatusTooManyRequests, RetryAfter: parseRetryAfter(retryAfter)}
	}
	if status == http.StatusOK {
		if id, ok := plainSuccess(raw); ok {
			return Result{Kind: OK, ProfileID: id}
		}
	}
	var ab Answer
	jsonErr := json.Unmarshal(raw, &ab)
	if jsonErr == nil && ab.Error != nil {
		if *ab.Error == 0 {
			if status >= 200 && status < 300 {
				return Result{Kind: OK, ProfileID: ab.ProfileID}
			}
			return Result{Kind: Rejected, Code: httpCode, Reason: httpReason(status, raw)}
		}
		code := Code(*ab.Error)
		text := strings.TrimSpace(ab.ErrorText)
		if code.RunWide(text) {
			return Result{Kind: Fatal, Err: &APIError{Code: int(code), Text: text}}
		}
		return Result{Kind: Rejected, Code: code.Reject(), Reason: text}
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Result{Kind: Fatal, Err: &APIError{Code: status, Text: httpReason(status, raw)}}
	case status >= 200 && status < 300:
		// A success status without a readable answer: maybe a broken proxy; try again,
		// knowing the platform may have applied it.
		return Result{Kind: Transient, Code: RejectHTTPInvalid(status), Reason: "the answer is not the API's JSON: " + snippet(raw), Ambiguous: true}
	default:
		return Result{Kind: Rejected, Code: httpCode, Reason: httpReason(status, raw)}
	}
}

// classifyBatch is classify for a batch method: a success answer must hold a
// result for each of the n profiles, in request order; each becomes an
// ItemResult as a single profile's answer would. A success without them is
// not the API's answer and is retried like one.
func classifyBatch(status int, retryAfter string, raw []byte, n int) Result {
	if status >= 200 && status < 300 {
		var ab Answer
		if json.Unmarshal(raw, &ab) == nil && ab.Error != nil && *ab.Error == 0 {
			if len(ab.Result) != n {
				return Result{Kind: Transient, Code: RejectHTTPInvalid(status), Ambiguous: true,
					Reason: fmt.Sprintf("the batch answer has %d results for %d profiles: %s", len(ab.Result), n, snippet(raw))}
			}
			items := make([]ItemResult, n)
			for i, it := range ab.Result {
				code, text := Code(it.Error), strings.TrimSpace(it.ErrorText)
				switch {
				case code == CodeOK:
					items[i] = ItemResult{Kind: OK, ProfileID: it.ProfileID}
				case code.RunWide(text):
					items[i] = ItemResult{Kind: Fatal, Err: &APIError{Code: int(code), Text: text}}
				default:
					items[i] = ItemResult{Kind: Rejected, Code: code.Reject(), Reason: text}
				}
			}
			return Result{Kind: OK, Items: items}
		}
	}
	r := classify(status, retryAfter, raw)
	if r.Kind == OK {
		// A single profile's success to a batch: not an answer for its items.
		return Result{Kind: Transient, Code: RejectHTTPInvalid(status), Ambiguous: true,
			Reason: "the batch answer has no result for its profiles: " + snippet(raw)}
	}
	return r
}

// plainSuccess reads the API's usual success answer,
// {"error":0,"error_text":"…","profile_id":"…"}, without a JSON decoder: it is
// most answers of a run. Anything else (other spacing or order, escapes)
// answers false and goes through encoding/json.
func plainSuccess(raw []byte) (profileID string, ok bool) {
	rest, found := bytes.CutPrefix(raw, successPrefix)
	if !found {
		return "", false
	}
	i := bytes.IndexByte(rest, '"')
	if i < 0 || !plainString(rest[:i]) {
		return "", false
	}
	rest, found = bytes.CutPrefix(rest[i+1:], []byte(`,"profile_id":"`))
	if !found {
		return "", false
	}
	j := bytes.IndexByte(rest, '"')
	if j < 0 || !plainString(rest[:j]) {
		return "", false
	}
	if tail := bytes.TrimSpace(rest[j+1:]); len(tail) != 1 || tail[0] != '}' {
		return "", false
	}
	return string(rest[:j]), true
}

// plainString: the bytes of a JSON string that decodes to itself — no escapes,
// no control characters, valid UTF-8.
func plainString(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c == '\\' {
			return false
		}
	}
	return utf8.Valid(b)
}

// StatusLine names an HTTP status as reasons begin with it: "HTTP 502 Bad Gateway".
func StatusLine(status int) string {
	return fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
}

func httpReason(status int, raw []byte) string {
	r := StatusLine(status)
	if s := snippet(raw); s != "" {
		r += ": " + s
	}
	return r
}

// snippet is the start of a body, on one line, for a reason column: runs of
// white space become one space, bytes that are not printable text are
// escaped (\x00, \x1f; a binary answer must not put NULs into a reject file
// that is read again), and what is past 200 bytes is cut.
func snippet(raw []byte) string {
	const max = 200
	var b strings.Builder
	space := false
	for i := 0; i < len(raw); {
		if b.Len() >= max {
			return b.String() + "…"
		}
		r, size := utf8.DecodeRune(raw[i:])
		if unicode.IsSpace(r) {
			space = b.Len() > 0
			i += size
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, raw[i])
		case !unicode.IsPrint(r) && r < 0x100:
			fmt.Fprintf(&b, `\x%02x`, r)
		case !unicode.IsPrint(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// parseRetryAfter reads delay-seconds or an HTTP date; zero when absent or unreadable.
func parseRetryAfter(v string) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}
