package importer

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/acimport/acimport/importer/send"
	"github.com/acimport/acimport/internal/nginxtest"
	"github.com/acimport/acimport/sandbox"
)

// wideMapping maps an email and 20 custom fields: 21 fields, as in the field report.
func wideMapping() string {
	var b strings.Builder
	b.WriteString("db_id: 5\ncsv: { delimiter: \";\" }\nfields:\n  email: Email\n")
	for i := range 20 {
		fmt.Fprintf(&b, "  F%02d: C%02d\n", i, i)
	}
	return b.String()
}

// wideRows is a CSV of n distinct rows for wideMapping, about 1.1 KB of JSON each; rows whose
// number is in fat carry a field of fatBytes more.
func wideRows(n int, fat map[int]bool, fatBytes int) string {
	var b strings.Builder
	b.WriteString("Email")
	for i := range 20 {
		fmt.Fprintf(&b, ";C%02d", i)
	}
	b.WriteString("\n")
	for r := range n {
		fmt.Fprintf(&b, "w%d@example.com", r)
		for i := range 20 {
			v := fmt.Sprintf("%d-%02d-%s", r, i, strings.Repeat("x", 40))
			if i == 0 && fat[r] {
				v += strings.Repeat("y", fatBytes)
			}
			b.WriteString(";" + v)
		}
		b.WriteString("\n")
	}
	return b.String()
}

// Item 1 of issue 23: behind nginx's default client_max_body_size (1 MiB), batches of 1,000 wide
// rows (about 1.1 MB each) were rejected whole as http_413. They are split in halves instead; the
// largest body that passed becomes the run's byte cap, said on stderr and in the summary; every row
// is imported, the exit is 0.
func TestBatchOverNginxBodyLimit(t *testing.T) {
	ng, sb := behindNginx(t, nginxtest.Config{ClientMaxBodySize: 1 << 20})
	const rows = 4000
	var stderr syncBuffer
	sum, dir, err := runImportMapping(t, ng.URL, wideMapping(), wideRows(rows, nil, 0), func(c *Config) {
		c.Batch, c.Workers, c.Retries, c.RootCAs, c.Stderr = 1000, 4, 0, ng.Roots, &stderr
		c.tuning.BatchLinger = time.Minute // full batches however slow the machine
	})
	if err != nil {
		t.Fatalf("Import: %v\n%s", err, stderr.String())
	}
	rej, _ := os.ReadFile(filepath.Join(dir, "in.rejects.csv"))
	if sum.Imported != rows || sum.Rejected != 0 || sum.ExitCode != 0 {
		t.Fatalf("summary %+v: every row should be imported, exit 0\n%s\n%.2000s", sum, stderr.String(), rej)
	}
	if got := sb.Server.Stats().Created; got != rows {
		t.Errorf("the sandbox stored %d profiles, want %d", got, rows)
	}
	if sum.BatchByteCap <= 0 || sum.BatchByteCap > 1<<20 {
		t.Errorf("batch_byte_cap %d: want the largest body that passed, at most 1 MiB", sum.BatchByteCap)
	}
	if log := stderr.String(); strings.Count(log, "refused a batch") != 1 || !strings.Contains(log, "--batch") {
		t.Errorf("stderr should say the byte cap once, naming HTTP 413 and --batch:\n%s", log)
	}
}

// A single row over the proxy's limit is the one rejected, with a reason that says so and names
// the limit; the rows of its batch are imported. Per-row requests get the same reason.
func TestRowOverNginxBodyLimit(t *testing.T) {
	ng, sb := behindNginx(t, nginxtest.Config{ClientMaxBodySize: 64 << 10})
	const rows = 300
	csv := wideRows(rows, map[int]bool{7: true, 250: true}, 70<<10)
	for _, batch := range []int{100, 1} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			sum, dir, err := runImportMapping(t, ng.URL, wideMapping(), csv, func(c *Config) {
				c.Batch, c.Workers, c.Retries, c.RootCAs = batch, 2, 0, ng.Roots
			})
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			rej, _ := os.ReadFile(filepath.Join(dir, "in.rejects.csv"))
			if sum.Imported != rows-2 || sum.Rejected != 2 || sum.RejectedByCode["http_413"] != 2 {
				t.Fatalf("summary %+v: want the 2 fat rows rejected http_413, the others imported\n%.3000s", sum, rej)
			}
			lines := strings.Split(strings.TrimSpace(string(rej)), "\n")
			for _, l := range lines[1:] {
				if !strings.Contains(l, "too large for the server or a proxy in front of it") || strings.Contains(l, "<html") {
					t.Errorf("reject reason should say the row is too large, without the proxy's page: %.300s", l[len(l)-min(len(l), 300):])
				}
			}
			_ = sb
		})
	}
}

// Item 2 of issue 23: behind nginx's limit_req at 1–3 r/s, --batch with --rate 0 lost whole
// batches to http_429 in the first seconds ("gave up after 6 attempts"). A batch's 429s slow the
// whole run and spend no retries while the pace can still fall: no row is rejected, run after run.
func TestBatchBehindNginxLowLimit(t *testing.T) {
	cases := []struct {
		Name       string
		RPS, Batch int
		Rows       int
	}{
		{Name: "3 r/s, --batch 100", RPS: 3, Batch: 100, Rows: 3000},
		{Name: "1 r/s, --batch 1000", RPS: 1, Batch: 1000, Rows: 12000},
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			ng, sb := behindNginx(t, nginxtest.Config{LimitRPS: tc.RPS, Burst: 1})
			for run := range 2 {
				sum, _, err := runImport(t, ng.URL, manyRows(tc.Rows), func(c *Config) {
					c.Batch, c.Rate, c.Workers, c.Retries, c.RootCAs = tc.Batch, 0, 8, 5, ng.Roots
					c.tuning.Backoff = send.DefaultBackoff
				})
				if err != nil {
					t.Fatalf("run %d: %v", run+1, err)
				}
				if sum.Imported != int64(tc.Rows) || sum.Rejected != 0 {
					t.Fatalf("run %d: summary %+v: every row should be imported, none rejected", run+1, sum)
				}
				t.Logf("run %d: %d retries, %d answers 429, %.1fs", run+1, sum.Retries, sum.Throttled, sum.ElapsedSeconds)
			}
			if got := sb.Server.Stats().Created; got != int64(tc.Rows) {
				t.Errorf("the sandbox stored %d profiles, want %d", got, tc.Rows)
			}
		})
	}
}

// gzipProxy is a stand-in for a proxy that compresses answers unasked: every third answer of
// target comes gzipped, with Content-Encoding: gzip, whatever the request's Accept-Encoding.
func gzipProxy(t *testing.T, target string) *httptest.Server {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ModifyResponse = func(r *http.Response) error {
		if n.Add(1)%3 != 0 {
			return nil
		}
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return err
		}
		var z bytes.Buffer
		zw := gzip.NewWriter(&z)
		zw.Write(b)
		zw.Close()
		r.Body = io.NopCloser(&z)
		r.ContentLength = int64(z.Len())
		r.Header.Set("Content-Length", strconv.Itoa(z.Len()))
		r.Header.Set("Content-Encoding", "gzip")
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	return srv
}

// Item 3 of issue 23: answers gzipped unasked were taken for invalid ones and sent again (rows
// applied 2–4 times), their bytes written into reject_reason. Decoded, every row is imported once.
func TestGzippedAnswersUnasked(t *testing.T) {
	for _, batch := range []int{1, 10} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{5}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sb.Close() })
			px := gzipProxy(t, sb.URL)
			const rows = 300
			sum, _, err := runImport(t, px.URL, manyRows(rows), func(c *Config) { c.Batch = batch })
			if err != nil {
				t.Fatal(err)
			}
			st := sb.Server.Stats()
			if sum.Imported != rows || sum.Rejected != 0 || sum.Retries != 0 || st.Created != rows || st.Updated != 0 {
				t.Fatalf("summary %+v, sandbox %+v: want every row imported once, no retries", sum, st)
			}
		})
	}
}

type connKey struct{}

// applyThenDrop is a stand-in for a server that applies a request and then closes its kept-alive
// connection without answering: every fifth request that is not the first of its connection.
// It returns the server and the number of requests it dropped so.
func applyThenDrop(t *testing.T, h http.Handler) (*httptest.Server, *atomic.Int64) {
	var n, dropped atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen := r.Context().Value(connKey{}).(*atomic.Int64)
		if seen.Add(1) > 1 && n.Add(1)%5 == 0 {
			h.ServeHTTP(httptest.NewRecorder(), r) // applied
			dropped.Add(1)
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				c.Close()
			}
			return
		}
		h.ServeHTTP(w, r)
	}))
	srv.Config.ConnContext = func(ctx context.Context, _ net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, new(atomic.Int64))
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &dropped
}

// Item 4 of issue 23: the client's own resend after a kept-alive connection closed without an
// answer was not counted, though the server had applied the request ("retries 0", rows doubled).
// Every resend is a retry in the summary.
func TestResendAfterDroppedConnectionCounted(t *testing.T) {
	for _, batch := range []int{1, 10} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{5}})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { sb.Close() })
			srv, dropped := applyThenDrop(t, sb.Server)
			const rows = 300
			sum, _, err := runImport(t, srv.URL, manyRows(rows), func(c *Config) { c.Batch, c.Retries, c.Workers = batch, 0, 2 })
			if err != nil {
				t.Fatal(err)
			}
			st := sb.Server.Stats()
			if dropped.Load() == 0 || sum.Imported != rows || sum.Rejected != 0 {
				t.Fatalf("summary %+v, %d dropped: want every row imported, some requests dropped", sum, dropped.Load())
			}
			if sum.Retries != dropped.Load() {
				t.Errorf("%d retries counted, want the %d resends (the sandbox applied %d profiles twice)", sum.Retries, dropped.Load(), st.Updated)
			}
		})
	}
}

// tunnelProxy is an HTTPS_PROXY that tunnels every CONNECT to target, whatever host it names;
// kill closes its listener and every tunnel: the proxy dies.
func tunnelProxy(t *testing.T, target string) (proxyURL string, kill func()) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	track := func(c net.Conn) {
		mu.Lock()
		conns = append(conns, c)
		mu.Unlock()
	}
	kill = func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}
	t.Cleanup(kill)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			track(c)
			go func() {
				defer c.Close()
				br := bufio.NewReader(c)
				if _, err := http.ReadRequest(br); err != nil {
					return
				}
				up, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				track(up)
				defer up.Close()
				fmt.Fprint(c, "HTTP/1.1 200 Connection established\r\n\r\n")
				go io.Copy(up, br)
				io.Copy(c, up)
			}()
		}
	}()
	return "http://" + ln.Addr().String(), kill
}

// Item 6 of issue 23: a proxy that dies mid-run was not named: the outage looked like the
// platform's. The outage line and the stop name the proxy and HTTPS_PROXY.
func TestProxyDiesMidRun(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	api := httptest.NewTLSServer(sb.Server)
	t.Cleanup(api.Close)
	proxy, kill := tunnelProxy(t, api.Listener.Addr().String())
	t.Setenv("HTTPS_PROXY", proxy)
	t.Setenv("NO_PROXY", "")
	go func() {
		for sb.Server.Stats().Created < 50 {
			time.Sleep(2 * time.Millisecond)
		}
		kill()
	}()
	var stderr syncBuffer
	_, _, err = runImport(t, "https://api.example.com", manyRows(2000), func(c *Config) {
		c.RootCAs, c.Rate, c.Workers, c.Stderr = poolOf(api), 200, 2, &stderr
		c.OutageWait = time.Second
		c.tuning.OutageAfter, c.tuning.ProbeFirst, c.tuning.ProbeMax = 200*time.Millisecond, 100*time.Millisecond, 200*time.Millisecond
	})
	var oe *send.OutageError
	if !errors.As(err, &oe) {
		t.Fatalf("err %v, want an outage\n%s", err, stderr.String())
	}
	for _, s := range []string{err.Error(), stderr.String()} {
		if !strings.Contains(s, "the proxy "+proxy+" (from HTTPS_PROXY) cannot be reached") {
			t.Errorf("the proxy is not named:\n%s", s)
		}
	}
}

// A proxy that refuses a body over its limit by closing the connection while the body is being
// sent, without an answer: the batch is split as for a 413, and every row imported.
func TestBatchCutOffWhileSent(t *testing.T) {
	sb, err := sandbox.Start("127.0.0.1:0", sandbox.Config{Token: testToken, DBs: []int{5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sb.Close() })
	const limit = 1 << 20
	var cut atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > limit {
			cut.Add(1)
			c, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0) // a reset, as the unread body makes it anyway
				}
				c.Close()
			}
			return
		}
		sb.Server.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	const rows = 1000
	fat := map[int]bool{}
	for i := range rows {
		fat[i] = true
	}
	var stderr syncBuffer
	sum, _, err := runImportMapping(t, srv.URL, wideMapping(), wideRows(rows, fat, 8<<10), func(c *Config) {
		c.Batch, c.Workers, c.Retries, c.Stderr = 1000, 1, 0, &stderr
		c.tuning.BatchLinger = time.Minute
	})
	if err != nil {
		t.Fatal(err)
	}
	if cut.Load() == 0 || sum.Imported != rows || sum.Rejected != 0 || sum.BatchByteCap == 0 || sum.BatchByteCap > limit {
		t.Fatalf("%d cut off; summary %+v: want every row imported, a byte cap under %d\n%s", cut.Load(), sum, limit, stderr.String())
	}
}
