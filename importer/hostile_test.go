package importer

import (
	"bufio"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/internal/altcraft"
)

const oneRow = "Email;Name;Id\na@example.com;A;1\n"

// Answers a real server or a proxy in front of it may give, and what becomes of the row.
func TestHostileAnswers(t *testing.T) {
	tests := []struct {
		Name    string
		Handler http.HandlerFunc
		Code    string // reject code; "" means imported
		Reason  string // substring of the reason
		// Timeout is --timeout; 0 means 5 s. Only the server that never answers needs a
		// short one: the others are answered, and a loaded machine must not time them out.
		Timeout time.Duration
	}{
		{Name: "a 50 MB body is read through a limit", Handler: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(200)
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range 50 {
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, Code: "http_200_invalid", Reason: "not the API's JSON"},
		{Name: "an HTML error page from a proxy is transient", Handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center>nginx</center></body></html>")
		}, Code: "http_502", Reason: "502 Bad Gateway"},
		{Name: "invalid JSON on 200", Handler: func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, `{"error":0,"profile_id":`)
		}, Code: "http_200_invalid", Reason: "gave up after 3 attempts"},
		{Name: "a server that never answers", Handler: func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // net/http notices the client leaving only once the body is read
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
		}, Code: "network", Reason: "timeout", Timeout: 200 * time.Millisecond},
		{Name: "an empty 200", Handler: func(w http.ResponseWriter, r *http.Request) {}, Code: "http_200_invalid"},
		{Name: "a proxy's answer with 12 KB of headers is read", Handler: func(w http.ResponseWriter, r *http.Request) {
			for i := range 12 {
				w.Header().Add("Set-Cookie", fmt.Sprintf("c%d=%s", i, strings.Repeat("v", 1000)))
			}
			w.WriteHeader(502)
		}, Code: "http_502", Reason: "502 Bad Gateway"},
		{Name: "headers past the limit: a short reason, no dump", Handler: func(w http.ResponseWriter, r *http.Request) {
			for i := range 40 {
				w.Header().Add("Set-Cookie", fmt.Sprintf("c%d=%s", i, strings.Repeat("v", 1000)))
			}
			w.WriteHeader(200)
		}, Code: "network", Reason: "headers are longer than 32 KiB"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			srv := httptest.NewServer(tc.Handler)
			defer srv.Close()
			sum, dir, err := runImport(t, srv.URL, oneRow, func(c *Config) {
				c.Retries = 2
				c.Timeout = 5 * time.Second
				if tc.Timeout > 0 {
					c.Timeout = tc.Timeout
				}
			})
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			rej := readFile(t, filepath.Join(dir, "in.rejects.csv"))
			if tc.Code == "" {
				if sum.Imported != 1 {
					t.Fatalf("not imported: %+v\n%s", sum, rej)
				}
				return
			}
			if sum.RejectedByCode[tc.Code] != 1 || !strings.Contains(rej, tc.Reason) {
				t.Fatalf("want one %s reject saying %q; summary %+v\n%s", tc.Code, tc.Reason, sum, rej)
			}
			if len(rej) > 4096 {
				t.Errorf("the reject file took in the whole body (%d bytes)", len(rej))
			}
		})
	}
}

// A redirect is never followed: the token must not travel to another host.
func TestRedirectNotFollowed(t *testing.T) {
	var leaked atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		leaked.Add(1)
		ok(w, "x")
	}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	sum, _, err := runImport(t, srv.URL, oneRow, nil)
	if err != nil {
		t.Fatal(err)
	}
	if leaked.Load() != 0 {
		t.Fatal("the redirect was followed to another host")
	}
	if sum.RejectedByCode["http_307"] != 1 {
		t.Errorf("summary %+v, want the row rejected http_307", sum)
	}
}

func TestTLS(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ok(w, "a@example.com") }))
	defer srv.Close()

	// Not trusted: the run stops at once and says what to do.
	sum, _, err := runImport(t, srv.URL, oneRow, nil)
	if err == nil || !strings.Contains(err.Error(), "--ca-file") || sum.Rejected != 0 {
		t.Fatalf("untrusted certificate: err = %v, summary %+v; want a run-wide error naming --ca-file", err, sum)
	}

	// Trusted through --ca-file.
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	os.WriteFile(caFile, block, 0o600)
	roots, err := LoadCAFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	sum, _, err = runImport(t, srv.URL, oneRow, func(c *Config) { c.RootCAs = roots })
	if err != nil || sum.Imported != 1 {
		t.Fatalf("with --ca-file: err = %v, summary %+v", err, sum)
	}

	bad := filepath.Join(t.TempDir(), "bad.pem")
	os.WriteFile(bad, []byte("not a certificate"), 0o600)
	if _, err := LoadCAFile(bad); !errors.Is(err, ErrUsage) {
		t.Errorf("a CA file without certificates: err = %v", err)
	}
}

func TestCheckURL(t *testing.T) {
	tests := []struct {
		Name     string
		URL      string
		Insecure bool
		Want     string // substring of the error; "" = accepted
	}{
		{Name: "https", URL: "https://example.com"},
		{Name: "https with a path", URL: "https://example.com/altcraft/"},
		{Name: "http to loopback (the sandbox)", URL: "http://127.0.0.1:8765"},
		{Name: "http to localhost", URL: "http://localhost:8765"},
		{Name: "http to ::1", URL: "http://[::1]:8765"},
		{Name: "http to a name under .localhost: DNS may send it elsewhere", URL: "http://api.localhost:8765", Want: "--insecure-http"},
		{Name: "localhost as a suffix of another name is not", URL: "http://notlocalhost:8765", Want: "--insecure-http"},
		{Name: "plain http elsewhere is refused", URL: "http://example.com", Want: "--insecure-http"},
		{Name: "unless the user insists", URL: "http://example.com", Insecure: true},
		{Name: "credentials in the URL", URL: "https://user:secret@example.com", Want: "credentials"},
		{Name: "no scheme", URL: "example.com", Want: "not a base URL"},
		{Name: "another scheme", URL: "ftp://example.com", Want: "not a base URL"},
		{Name: "not a URL", URL: "https://exa mple.com", Want: `--url "https://exa mple.com" is not a base URL such as https://example.com`},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			err := CheckURL(tc.URL, tc.Insecure)
			if tc.Want == "" && err != nil || tc.Want != "" && (err == nil || !strings.Contains(err.Error(), tc.Want)) {
				t.Fatalf("CheckURL(%q) = %v, want %q", tc.URL, err, tc.Want)
			}
			if err != nil && strings.Contains(err.Error(), "secret") {
				t.Errorf("the error repeats the password: %v", err)
			}
		})
	}
}

// CheckBatch is the one check and wording of --batch, for cmd and Config.
func TestCheckBatch(t *testing.T) {
	for n, want := range map[int]string{
		-1: "--batch must be between 1 and 10000, got -1", 0: "--batch must be between 1 and 10000, got 0",
		1: "", 10000: "", 10001: "--batch must be between 1 and 10000, got 10001",
	} {
		err := CheckBatch(n)
		if want == "" && err != nil || want != "" && (err == nil || err.Error() != want || !errors.Is(err, ErrUsage)) {
			t.Errorf("CheckBatch(%d) = %v, want %q", n, err, want)
		}
	}
}

// Output files hold customers' data: 0600, even over an older file with another mode.
func TestOutputFilesArePrivate(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) { apiError(w, 200, 400, "bad") })
	dir := t.TempDir()
	rej := filepath.Join(dir, "old-rejects.csv")
	os.WriteFile(rej, []byte("old"), 0o644)
	_, tmp, err := runImport(t, srv.URL, oneRow, func(c *Config) { c.RejectPath = rej })
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{rej, filepath.Join(tmp, "results.csv"), filepath.Join(tmp, "summary.json")} {
		st, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %04o, want 0600", filepath.Base(p), st.Mode().Perm())
		}
	}
	// The state file of an interrupted run too (one that imported a row: a
	// run that imported none keeps no state).
	stop := newAPIServer(t, func(w http.ResponseWriter, email string, n int) {
		if email == "a@example.com" {
			ok(w, email)
			return
		}
		apiError(w, 403, 403, "Invalid token")
	})
	_, tmp, _ = runImport(t, stop.URL, oneRow+"b@example.com;B;2\n", func(c *Config) { c.Workers = 1 })
	st, err := os.Stat(filepath.Join(tmp, "in.rejects.state"))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, mode %v", err, st)
	}
	b, _ := io.ReadAll(strings.NewReader(readFile(t, filepath.Join(tmp, "in.rejects.state"))))
	if strings.Contains(string(b), testToken) {
		t.Error("the token is in the state file")
	}
}

// A server that closes each connection right after answering, without saying
// "Connection: close", leaves the client a kept-alive connection that is dead.
// The request sent on it goes again on a new connection at once: no row fails,
// even with no retries allowed.
func TestDeadKeptAliveConnection(t *testing.T) {
	var conns atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		conns.Add(1)
		answer := altcraft.AppendSuccess(nil, "p")
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s", len(answer), answer)
		buf.Flush()
		time.Sleep(10 * time.Millisecond) // the client has the answer and keeps the connection
		conn.Close()
	}))
	defer srv.Close()
	const rows = 5
	csv := "Email;Name;Id\n"
	for i := range rows {
		csv += fmt.Sprintf("r%d@example.com;R;%d\n", i, i)
	}
	sum, _, err := runImport(t, srv.URL, csv, func(c *Config) { c.Workers = 1; c.Retries = 0 })
	if err != nil || sum.Imported != rows || sum.Rejected != 0 {
		t.Fatalf("err %v, summary %+v: every row should be imported", err, sum)
	}
	if conns.Load() != rows {
		t.Errorf("%d connections answered, want %d", conns.Load(), rows)
	}
}

// Behind a proxy, HTTP_PROXY (and HTTPS_PROXY) are honoured as other tools
// honour them: the request travels through a CONNECT tunnel of the proxy. The
// platform's name is under .invalid, which no resolver answers: only the test's
// proxy, which tunnels to the test server, can reach it.
func TestProxyFromEnvironment(t *testing.T) {
	api := newAPIServer(t, nil)
	var tunnels atomic.Int64
	var connectTo atomic.Value
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				req, err := http.ReadRequest(bufio.NewReader(c))
				if err != nil || req.Method != http.MethodConnect {
					fmt.Fprint(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
					return
				}
				connectTo.Store(req.Host)
				up, err := net.Dial("tcp", api.Listener.Addr().String())
				if err != nil {
					fmt.Fprint(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
					return
				}
				defer up.Close()
				tunnels.Add(1)
				fmt.Fprint(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				go io.Copy(up, c)
				io.Copy(c, up)
			}()
		}
	}()
	t.Setenv("HTTP_PROXY", "http://"+ln.Addr().String())
	t.Setenv("NO_PROXY", "")
	sum, _, err := runImport(t, "http://altcraft.invalid", oneRow, func(c *Config) { c.InsecureHTTP = true })
	if err != nil || sum.Imported != 1 {
		t.Fatalf("through the proxy: err %v, summary %+v", err, sum)
	}
	if tunnels.Load() == 0 || connectTo.Load() != "altcraft.invalid:80" {
		t.Errorf("tunnels %d to %v; want the request through a CONNECT to altcraft.invalid:80", tunnels.Load(), connectTo.Load())
	}
	if got := api.got(); len(got) != 1 || got[0].Auth != "Bearer "+testToken {
		t.Errorf("the API got %+v", got)
	}
}
