package importer

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
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// importPath is the profile import method, relative to the platform's base URL.
const importPath = "/api/v1.1/profiles/import"

// maxAnswerBytes bounds how much of an answer is read: a real answer is a few
// hundred bytes, and a proxy's error page must not be buffered whole.
const maxAnswerBytes = 1 << 20

// Client sends one profile import request at a time; it is safe for concurrent use.
type Client struct {
	endpoint string
	token    string
	auth     []string // the Authorization header's value, built once
	http     *http.Client
}

var jsonType = []string{"application/json"}

// answerBufs recycles the buffers answers are read into.
var answerBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// NewClient returns a client for the platform at baseURL. workers sizes the
// connection pool so that every worker keeps its keep-alive connection; roots,
// when not nil, are the CAs trusted instead of the system's. hc may be nil;
// tests pass their own.
func NewClient(baseURL, token string, workers int, timeout time.Duration, roots *x509.CertPool, hc *http.Client) *Client {
	if hc == nil {
		hc = &http.Client{
			Transport: newTransport(workers, roots),
			// Never follow a redirect: it could carry the token to another host,
			// and a redirected POST is not what the user asked for.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	hc.Timeout = timeout
	return &Client{endpoint: strings.TrimRight(baseURL, "/") + importPath, token: token, auth: []string{"Bearer " + token}, http: hc}
}

func newTransport(workers int, roots *x509.CertPool) *http.Transport {
	if workers < 1 {
		workers = 1
	}
	return &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          workers * 2,
		MaxIdleConnsPerHost:   workers * 2, // the default of 2 would churn connections
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
	}
}

// LoadCAFile returns the system's trusted CAs plus those in a PEM file, for
// on-premises platforms whose certificates come from their own authority.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: read --ca-file: %w", ErrUsage, err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%w: --ca-file %s holds no PEM certificate", ErrUsage, path)
	}
	return pool, nil
}

// CheckURL accepts https, and plain http only to this machine (the sandbox)
// unless insecure: over plain http the token and the customers' data would
// cross the network readable by anyone on the way.
func CheckURL(raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return fmt.Errorf("%w: --url %q is not a base URL such as https://example.com", ErrUsage, raw)
	}
	if u.User != nil {
		return fmt.Errorf("%w: --url must not hold credentials: the token comes from ALTCRAFT_TOKEN or --token-file", ErrUsage)
	}
	if u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()) {
		return fmt.Errorf("%w: --url %s is plain http: the API token and your customers' data would travel unencrypted; use https, or --insecure-http if you must", ErrUsage, u.Redacted())
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Answer is the outcome of one attempt.
type Answer struct {
	Kind      AnswerKind
	ProfileID string // for OK
	Code      string // reject code: api_<N>, http_<status>, network, http_200_invalid
	Reason    string
	// RetryAfter is the server's Retry-After, when it gave one.
	RetryAfter time.Duration
	// Err is set for Fatal answers: the run-wide error to stop with.
	Err error
}

// AnswerKind says what the pool does with an answer.
type AnswerKind int

const (
	// OK: the profile was imported.
	OK AnswerKind = iota
	// Rejected: the API refused this row; retrying will not help.
	Rejected
	// Transient: retry with backoff (429, 5xx, timeouts, connection errors).
	Transient
	// Fatal: the whole run is doomed (bad token, no rights, plan exhausted, no such database).
	Fatal
)

// APIError is a run-wide error answer of the API.
type APIError struct {
	Code int
	Text string
}

func (e *APIError) Error() string {
	hint := ""
	switch e.Code {
	case 401, 403:
		hint = " — check the API token (ALTCRAFT_TOKEN or --token-file) and its rights to this database"
	case 402:
		hint = " — the platform's tariff limit is reached"
	case 404:
		hint = " — check db_id in the mapping file"
	}
	return fmt.Sprintf("the API answered error %d %q%s", e.Code, e.Text, hint)
}

// Send posts one request body and classifies the answer.
func (c *Client) Send(ctx context.Context, body []byte) Answer {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return Answer{Kind: Fatal, Err: fmt.Errorf("build request: %w", err)}
	}
	// Canonical keys, values shared by every request: the transport only reads them.
	req.Header = http.Header{"Content-Type": jsonType, "Accept": jsonType, "Authorization": c.auth}
	resp, err := c.http.Do(req)
	if err != nil {
		if tlsErr := certificateError(err); tlsErr != nil {
			return Answer{Kind: Fatal, Err: tlsErr}
		}
		if ctx.Err() != nil {
			return Answer{Kind: Transient, Code: "network", Reason: ctx.Err().Error()}
		}
		return Answer{Kind: Transient, Code: "network", Reason: networkReason(err)}
	}
	defer resp.Body.Close()
	buf := answerBufs.Get().(*bytes.Buffer)
	defer func() {
		if buf.Cap() <= 64<<10 { // a huge answer's buffer is not worth keeping
			buf.Reset()
			answerBufs.Put(buf)
		}
	}()
	buf.Reset()
	_, err = buf.ReadFrom(io.LimitReader(resp.Body, maxAnswerBytes))
	// Drain what is left so the connection can be reused.
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4*maxAnswerBytes))
	if err != nil {
		return Answer{Kind: Transient, Code: "network", Reason: "reading the answer: " + networkReason(err)}
	}
	return c.redact(classify(resp.StatusCode, resp.Header.Get("Retry-After"), buf.Bytes()))
}

// redact keeps the token out of reasons and errors even when a server or proxy
// echoes the request back in its answer: they end up in reject files and logs.
func (c *Client) redact(a Answer) Answer {
	if len(c.token) < 4 {
		return a
	}
	a.Reason = strings.ReplaceAll(a.Reason, c.token, "[token]")
	var ae *APIError
	if errors.As(a.Err, &ae) {
		ae.Text = strings.ReplaceAll(ae.Text, c.token, "[token]")
	}
	return a
}

// networkReason describes a transport error without the URL (which names the host
// but adds nothing) and never with request headers.
func networkReason(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout: no answer in time"
	}
	return err.Error()
}

// certificateError is a failed TLS verification: retrying cannot fix it, so
// it stops the run with what to do.
func certificateError(err error) error {
	var verr *tls.CertificateVerificationError
	var uerr x509.UnknownAuthorityError
	var herr x509.HostnameError
	var cerr x509.CertificateInvalidError
	if errors.As(err, &verr) || errors.As(err, &uerr) || errors.As(err, &herr) || errors.As(err, &cerr) {
		return fmt.Errorf("the platform's TLS certificate is not trusted (%s); if it comes from your own certificate authority, give its certificate with --ca-file", networkReason(err))
	}
	return nil
}

// answerBody is the JSON every answer of the API carries.
type answerBody struct {
	Error     *int   `json:"error"`
	ErrorText string `json:"error_text"`
	ProfileID string `json:"profile_id"`
}

// classify turns an HTTP status and body into an Answer, following altcraft-api.md:
// 429 and 5xx are transient whatever the body; otherwise a JSON body with a
// non-zero error is an API error whatever the status.
func classify(status int, retryAfter string, raw []byte) Answer {
	httpCode := "http_" + strconv.Itoa(status)
	if status == http.StatusTooManyRequests || status >= 500 {
		return Answer{Kind: Transient, Code: httpCode, Reason: httpReason(status, raw), RetryAfter: parseRetryAfter(retryAfter)}
	}
	if status == http.StatusOK {
		if id, ok := plainSuccess(raw); ok {
			return Answer{Kind: OK, ProfileID: id}
		}
	}
	var ab answerBody
	jsonErr := json.Unmarshal(raw, &ab)
	if jsonErr == nil && ab.Error != nil {
		if *ab.Error == 0 {
			if status >= 200 && status < 300 {
				return Answer{Kind: OK, ProfileID: ab.ProfileID}
			}
			return Answer{Kind: Rejected, Code: httpCode, Reason: httpReason(status, raw)}
		}
		code := *ab.Error
		text := strings.TrimSpace(ab.ErrorText)
		if isRunWide(code, text) {
			return Answer{Kind: Fatal, Err: &APIError{Code: code, Text: text}}
		}
		return Answer{Kind: Rejected, Code: "api_" + strconv.Itoa(code), Reason: text}
	}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return Answer{Kind: Fatal, Err: &APIError{Code: status, Text: httpReason(status, raw)}}
	case status >= 200 && status < 300:
		// A success status without a readable answer: maybe a broken proxy; try again.
		return Answer{Kind: Transient, Code: httpCode + "_invalid", Reason: "the answer is not the API's JSON: " + snippet(raw)}
	default:
		return Answer{Kind: Rejected, Code: httpCode, Reason: httpReason(status, raw)}
	}
}

// successPrefix starts the API's usual success answer.
var successPrefix = []byte(`{"error":0,"error_text":"`)

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

// isRunWide tells the answers that doom every row alike: no token, no rights,
// no plan left, or no such database (a missing resource or profile is one row's problem).
func isRunWide(code int, text string) bool {
	switch code {
	case 401, 402, 403:
		return true
	case 404:
		return strings.Contains(strings.ToLower(text), "database")
	}
	return false
}

func httpReason(status int, raw []byte) string {
	r := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
	if s := snippet(raw); s != "" {
		r += ": " + s
	}
	return r
}

// snippet is the start of a body, on one line, for a reason column.
func snippet(raw []byte) string {
	const max = 200
	s := strings.Join(strings.Fields(string(raw)), " ")
	if len(s) > max {
		s = strings.ToValidUTF8(s[:max], "") + "…"
	}
	return s
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
