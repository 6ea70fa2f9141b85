package altcraft

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
)

// sendWave sends one request marked for the test server's first wave.
func (c *Client) sendWave() Result {
	req := fasthttp.AcquireRequest()
	resp := fasthttp.AcquireResponse()
	defer fasthttp.ReleaseRequest(req)
	defer fasthttp.ReleaseResponse(resp)
	req.SetURI(c.endpoints[MethodImport])
	req.Header.SetMethod(fasthttp.MethodPost)
	req.Header.Set("X-Wave", "1")
	req.SetBodyString(`{"db_id":1}`)
	if _, err := c.do(req, resp); err != nil {
		return Result{Kind: Transient, Reason: err.Error()}
	}
	return classify(resp.StatusCode(), "", resp.Body())
}

// noSuchHost answers every lookup as a resolver does for a name that does not exist.
type noSuchHost struct{}

func (noSuchHost) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

// A host name that does not resolve is a wrong URL, said in words.
func TestWrongURLNoSuchHost(t *testing.T) {
	testResolver = noSuchHost{}
	defer func() { testResolver = nil }()
	t.Setenv("HTTPS_PROXY", "")
	c, err := NewClient(Options{URL: "https://altcraft.example.invalid", Token: "t"})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
	if res.Kind != Transient || res.WrongURL == nil || !strings.Contains(res.WrongURL.Error(), `host "altcraft.example.invalid" of --url`) ||
		!strings.Contains(res.WrongURL.Error(), "cannot be found") {
		t.Fatalf("result %+v, wrong URL: %v", res, res.WrongURL)
	}
}

func TestChooseRoute(t *testing.T) {
	tests := []struct {
		Name      string
		URL       string
		Env       map[string]string
		WantProxy string // "" = direct
	}{
		{Name: "https uses HTTPS_PROXY", URL: "https://p.example", Env: map[string]string{"HTTPS_PROXY": "http://proxy:3128"}, WantProxy: "http://proxy:3128"},
		{Name: "https ignores HTTP_PROXY, as curl and net/http do", URL: "https://p.example", Env: map[string]string{"HTTP_PROXY": "http://proxy:3128"}},
		{Name: "http uses HTTP_PROXY", URL: "http://p.example", Env: map[string]string{"HTTP_PROXY": "http://proxy:3128"}, WantProxy: "http://proxy:3128"},
		{Name: "NO_PROXY", URL: "https://p.example", Env: map[string]string{"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example"}},
		{Name: "localhost is never proxied, NO_PROXY unset", URL: "https://localhost:8443", Env: map[string]string{"HTTPS_PROXY": "http://proxy:3128"}},
		{Name: "127.0.0.1 is never proxied", URL: "http://127.0.0.1:8765", Env: map[string]string{"HTTP_PROXY": "http://proxy:3128"}},
		{Name: "::1 is never proxied", URL: "http://[::1]:8765", Env: map[string]string{"HTTP_PROXY": "http://proxy:3128"}},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			for _, k := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"} {
				t.Setenv(k, tc.Env[k])
			}
			c, err := NewClient(Options{URL: tc.URL, Token: "t"})
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if c.route.proxy != nil {
				got = c.route.proxy.String()
			}
			if got != tc.WantProxy {
				t.Errorf("proxy %q, want %q", got, tc.WantProxy)
			}
		})
	}
}

// The pool holds four kept-alive connections, all closed by the server since
// (as a graceful nginx reload closes its idle connections). The next request
// meets a dead connection, and its resend another: it goes again until it is
// sent on a fresh connection, and the caller sees a success, not a failure.
func TestResendPastSeveralDeadConnections(t *testing.T) {
	const workers = 4
	var mu sync.Mutex
	var held []net.Conn
	arrived := make(chan struct{}, 16)
	release := make(chan struct{})
	var fresh atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		answer := AppendSuccess(nil, "p")
		if r.Header.Get("X-Wave") != "1" {
			fresh.Add(1)
			w.Write(answer)
			return
		}
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		mu.Lock()
		held = append(held, conn) // before the answer: the test closes them all once answered
		mu.Unlock()
		arrived <- struct{}{}
		<-release // all four connections are open at once
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer)
		buf.Flush()
	}))
	defer srv.Close()
	c, err := NewClient(Options{URL: srv.URL, Token: "t", Workers: workers, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if res := c.sendWave(); res.Kind != OK {
				t.Errorf("first wave: %+v", res)
			}
		}()
	}
	for range workers {
		<-arrived
	}
	close(release)
	wg.Wait()
	mu.Lock()
	for _, conn := range held { // the server closes its idle connections
		conn.Close()
	}
	mu.Unlock()
	time.Sleep(20 * time.Millisecond)
	res := c.Send(context.Background(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
	if res.Kind != OK {
		t.Fatalf("after the server closed the kept-alive connections: %+v", res)
	}
	if fresh.Load() != 1 {
		t.Errorf("%d requests reached the server, want 1", fresh.Load())
	}
}

// TestSendStatus: a Result carries the answer's HTTP status, and 0 when no answer came, so that
// a caller can name a failure ("HTTP 502 Bad Gateway") without parsing its Reason.
func TestSendStatus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.WriteHeader(http.StatusBadGateway)
		fmt.Fprint(w, "<html><body>Bad Gateway: upstream</body></html>")
	}))
	defer srv.Close()
	c, err := NewClient(Options{URL: srv.URL, Token: "t", Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	res := c.Send(t.Context(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
	if res.Status != http.StatusBadGateway || res.Kind != Transient {
		t.Errorf("a 502: %+v, want Status 502, Transient", res)
	}
	if got, want := StatusLine(res.Status), "HTTP 502 Bad Gateway"; got != want || !strings.HasPrefix(res.Reason, want+": ") {
		t.Errorf("StatusLine = %q, Reason %q; want %q, and the Reason to begin with it", got, res.Reason, want)
	}
	srv.Close()
	res = c.Send(t.Context(), Request{Method: MethodImport, Body: []byte(`{"db_id":1}`)})
	if res.Status != 0 || res.Code != "network" {
		t.Errorf("no server: %+v, want Status 0, code network", res)
	}
}

// IsLoopback is the one answer to "is this host this machine", for the proxy
// choice, plain http (importer.CheckURL) and the sandbox's listen guard.
func TestIsLoopback(t *testing.T) {
	tests := []struct {
		Name string
		Host string
		Want bool
	}{
		{Name: "localhost", Host: "localhost", Want: true},
		{Name: "any case", Host: "LocalHost", Want: true},
		{Name: "the fully qualified name", Host: "localhost.", Want: true},
		{Name: "a name under .localhost: the resolver decides", Host: "api.localhost"},
		{Name: "deeper, any case, fully qualified", Host: "a.b.LOCALHOST."},
		{Name: "IPv4 loopback", Host: "127.0.0.1", Want: true},
		{Name: "anywhere in 127/8", Host: "127.1.2.3", Want: true},
		{Name: "IPv6 loopback", Host: "::1", Want: true},
		{Name: "an ending that is not a label", Host: "notlocalhost"},
		{Name: "localhost as a label inside", Host: "localhost.example.com"},
		{Name: "a public name", Host: "example.com"},
		{Name: "a private address", Host: "10.1.2.3"},
		{Name: "every address", Host: "0.0.0.0"},
		{Name: "no host", Host: ""},
		{Name: "a bracketed address (a URL's Host, not its Hostname)", Host: "[::1]"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			if got := IsLoopback(tc.Host); got != tc.Want {
				t.Errorf("IsLoopback(%q) = %v, want %v", tc.Host, got, tc.Want)
			}
		})
	}
}
