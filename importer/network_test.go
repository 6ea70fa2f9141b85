package importer

import (
	"bufio"
	"context"
	"crypto/x509"
	"encoding/json"
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

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/mapping"
)

// Older platforms read the token only from the JSON body: a run against one
// imports every row (the header alone got 401 on every request).
func TestTokenInBodyOnlyPlatform(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Token string `json:"token"`
			Email string `json:"email"`
		}
		body, _ := io.ReadAll(r.Body)
		if json.Unmarshal(body, &req) != nil || req.Token == "" {
			apiError(w, 401, 401, "API token required")
			return
		}
		if req.Token != testToken {
			apiError(w, 403, 403, "Invalid token")
			return
		}
		ok(w, req.Email)
	}))
	defer srv.Close()
	sum, _, err := runImport(t, srv.URL, manyRows(20), nil)
	if err != nil || sum.Imported != 20 {
		t.Fatalf("err %v, summary %+v: a body-only platform should import every row", err, sum)
	}
}

// closedPort is a port on 127.0.0.1 where nothing listens.
func closedPort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// connectProxy is an HTTP proxy on 127.0.0.1 that answers every CONNECT with status.
func connectProxy(t *testing.T, status int) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				if _, err := http.ReadRequest(bufio.NewReader(c)); err != nil {
					return
				}
				fmt.Fprintf(c, "HTTP/1.1 %d %s\r\nContent-Length: 0\r\n\r\n", status, http.StatusText(status))
			}()
		}
	}()
	return "http://" + ln.Addr().String()
}

// Before the first answer, failures that show the URL (or the proxy) is
// wrong stop the run at once, with exit 1's kind of error, saying what to
// fix; no row is rejected, and the run does not retry for seconds.
func TestFailFastOnWrongURL(t *testing.T) {
	api := newAPIServer(t, nil)
	plain := api.Listener.Addr().String()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { ok(w, "x") }))
	defer tlsSrv.Close()
	tests := []struct {
		Name  string
		URL   string
		Env   map[string]string
		Tweak func(*Config)
		Want  []string // substrings of the error
		Not   string   // must not be in it
	}{
		{Name: "the API path in --url: the method is not found (404)", URL: api.URL + "/api/v1.1",
			Want: []string{"HTTP 404", "base address", "without /api/v1.1"}},
		{Name: "https to a plain-http port", URL: "https://" + plain,
			Want: []string{"plain http, not https", plain}},
		{Name: "connection refused", URL: "http://" + closedPort(t),
			Want: []string{"connection refused", "nothing listens"}},
		{Name: "a proxy that refuses CONNECT", URL: "https://altcraft.example",
			Env:  map[string]string{"HTTPS_PROXY": connectProxy(t, 403), "NO_PROXY": ""},
			Want: []string{"HTTPS_PROXY", "refused to tunnel", "HTTP 403"}},
		{Name: "a proxy that cannot be reached", URL: "https://altcraft.example",
			Env:  map[string]string{"HTTPS_PROXY": "http://" + closedPort(t), "NO_PROXY": ""},
			Want: []string{"HTTPS_PROXY", "cannot be reached", "connection refused"}},
		{Name: "a certificate valid, but for another host", URL: strings.Replace(tlsSrv.URL, "127.0.0.1", "localhost", 1),
			Tweak: func(c *Config) { c.RootCAs = poolOf(tlsSrv) },
			Want:  []string{"valid, but for", "example.com", `not for "localhost"`, "check the host name in --url"}, Not: "--ca-file"},
	}
	for _, tc := range tests {
		t.Run(tc.Name, func(t *testing.T) {
			for k, v := range tc.Env {
				t.Setenv(k, v)
			}
			start := time.Now()
			sum, _, err := runImport(t, tc.URL, manyRows(50), func(c *Config) {
				c.Workers, c.Retries = 4, 5
				c.tuning.Backoff = send.DefaultBackoff // retrying would take seconds
				if tc.Tweak != nil {
					tc.Tweak(c)
				}
			})
			if err == nil {
				t.Fatalf("the run went on: summary %+v", sum)
			}
			for _, w := range tc.Want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not say %q", err, w)
				}
			}
			if tc.Not != "" && strings.Contains(err.Error(), tc.Not) {
				t.Errorf("error %q suggests %s, which cannot help", err, tc.Not)
			}
			if sum != nil && sum.Rejected != 0 {
				t.Errorf("%d rows rejected for a wrong URL", sum.Rejected)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to stop: it retried", d)
			}
		})
	}
}

// After the API has answered, a 404 without the API's answer is one row's
// failure, not a reason to stop (the URL was right a moment ago).
func TestNotFoundAfterFirstAnswerIsARowReject(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if n.Add(1) == 5 {
			http.NotFound(w, r)
			return
		}
		ok(w, "x")
	}))
	defer srv.Close()
	sum, _, err := runImport(t, srv.URL, manyRows(10), func(c *Config) { c.Workers = 1 })
	if err != nil || sum.Imported != 9 || sum.RejectedByCode["http_404"] != 1 {
		t.Fatalf("err %v, summary %+v", err, sum)
	}
}

// poolOf trusts the test TLS server's certificate.
func poolOf(s *httptest.Server) *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.Certificate())
	return p
}

// HTTP_PROXY names a proxy, NO_PROXY is unset, and the URL is this machine:
// the request goes straight to it (as with curl and net/http), not through
// the proxy, which here refuses every tunnel.
func TestLocalhostNeverProxied(t *testing.T) {
	api := newAPIServer(t, nil)
	_, port, _ := net.SplitHostPort(api.Listener.Addr().String())
	for _, k := range []string{"NO_PROXY", "no_proxy"} {
		t.Setenv(k, "")
	}
	t.Setenv("HTTP_PROXY", connectProxy(t, 403))
	sum, _, err := runImport(t, "http://localhost:"+port, oneRow, nil)
	if err != nil || sum.Imported != 1 {
		t.Fatalf("err %v, summary %+v: localhost should not go through the proxy", err, sum)
	}
}

// "gave up after 1 attempt", not "1 attempts".
func TestGaveUpAfterOneAttempt(t *testing.T) {
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, n int) { w.WriteHeader(502) })
	_, dir, err := runImport(t, srv.URL, oneRow, func(c *Config) { c.Retries = 0 })
	if err != nil {
		t.Fatal(err)
	}
	if rej := readFile(t, filepath.Join(dir, "in.rejects.csv")); !strings.Contains(rej, "(gave up after 1 attempt)") {
		t.Errorf("reject file:\n%s", rej)
	}
}

// --results promises a line per row: rows the run left unsent (it stopped)
// are there as not_sent; a resumed run replaces them with their outcome.
func TestResultsListUnsentRows(t *testing.T) {
	var n atomic.Int64
	srv := newAPIServer(t, func(w http.ResponseWriter, email string, _ int) {
		if n.Add(1) > 5 {
			apiError(w, 403, 403, "Invalid token")
			return
		}
		ok(w, email)
	})
	const rows = 40
	dir := t.TempDir()
	results := filepath.Join(dir, "results.csv")
	in := filepath.Join(dir, "in.csv")
	if err := os.WriteFile(in, []byte(manyRows(rows)), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(resume bool) *Summary {
		m, err := mapping.Parse(strings.NewReader(testMapping), "m.yaml")
		if err != nil {
			t.Fatal(err)
		}
		sum, _ := Import(context.Background(), Config{Mapping: m, Files: []string{in}, URL: srv.URL, Token: testToken,
			Workers: 1, Retries: 0, ResultsPath: results, Resume: resume})
		return sum
	}
	sum := run(false)
	log := readFile(t, results)
	lines := strings.Count(log, "\n") - 1
	if got := int64(strings.Count(log, ",not_sent,")); got != sum.NotSent || got == 0 || int64(lines) != sum.RowsRead {
		t.Fatalf("summary %+v; results log has %d lines, %d not_sent:\n%s", sum, lines, got, log)
	}
	n.Store(-1000) // the API accepts the token again
	run(true)
	log = readFile(t, results)
	if strings.Contains(log, "not_sent") || strings.Count(log, "\n")-1 != rows {
		t.Errorf("after --resume the log should have one line per row, none not_sent:\n%s", log)
	}
}
