package sandbox_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"

	"github.com/acimport/acimport/sandbox"

	"github.com/acimport/acimport/internal/altcraft"
)

// benchBodies are typical rows: 10,000 distinct emails, so a run both
// creates and updates profiles.
var benchBodies = func() [][]byte {
	out := make([][]byte, 10000)
	for i := range out {
		out[i] = fmt.Appendf(nil, `{"token":"t","db_id":1,"matching":"email","email":"user%d@example.io",`+
			`"skip_triggers":true,"data":{"_fname":"Ann","_lname":"Lee","_bdate":"1990-01-15","_sex":"female",`+
			`"phones":["+7900%07d"],"CRM_ID":%d,"subscriptions":[{"channel":"email","resource_id":1,"email":"user%d@example.io"}]}}`,
			i, i, i, i)
	}
	return out
}()

// noDedup: the bodies repeat, and these benchmarks measure applying them, so
// deduplication is off (BenchmarkDedup measures it).
var noDedup = sandbox.Config{DedupWindow: -1}

func BenchmarkImport(b *testing.B) {
	b.Run("InProcess", func(b *testing.B) {
		s := sandbox.New(noDedup)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			serveInProcess(b, s, benchBodies[i%len(benchBodies)])
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})

	b.Run("Loopback", func(b *testing.B) {
		inst, err := sandbox.Start("127.0.0.1:0", noDedup)
		if err != nil {
			b.Fatal(err)
		}
		defer inst.Close()
		client := &http.Client{Transport: &http.Transport{
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 256,
		}}
		defer client.CloseIdleConnections()
		target := inst.URL + altcraft.MethodImport.Path()
		var next atomic.Int64
		b.SetParallelism(8)
		b.ReportAllocs()
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				body := benchBodies[int(next.Add(1))%len(benchBodies)]
				req, _ := http.NewRequest(http.MethodPost, target, bytes.NewReader(body))
				req.Header["Content-Type"] = []string{"application/json"}
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body) //nolint:errcheck // benchmark
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					b.Errorf("status %d", resp.StatusCode)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	})
}

// BenchmarkStore is the sandbox's cost of one import in process, for a row that
// creates a profile (a new email each time, as in a migration) and for one that
// updates the same profile again (as a load tool replaying one body does).
// Creation includes the GC work of a store that keeps growing.
func BenchmarkStore(b *testing.B) {
	body := func(i int) []byte {
		return fmt.Appendf(nil, `{"db_id":1,"matching":"email","email":"customer%d@example.org","skip_triggers":true,`+
			`"data":{"email":"customer%d@example.org","_fname":"Elena","_lname":"Иванова","_bdate":"1963-08-11","_sex":"male",`+
			`"phones":["+7919%07d"],"CRM_ID":%d,"city":"Omsk","subscriptions":[{"channel":"email","resource_id":1,"email":"customer%d@example.org"}]}}`,
			i, i, i, i, i)
	}
	run := func(b *testing.B, next func(i int) []byte) {
		s := sandbox.New(noDedup)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			serveInProcess(b, s, next(i))
		}
	}
	b.Run("create", func(b *testing.B) { run(b, body) })
	same := body(0)
	b.Run("update", func(b *testing.B) { run(b, func(int) []byte { return same }) })
}

var (
	importURL, _ = url.Parse(altcraft.MethodImport.Path())
	// importHeader is shared by the requests: the server only reads it.
	importHeader = http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer t"}}
)

// serveInProcess has s answer one import request with body, and fails unless it succeeds.
func serveInProcess(b *testing.B, s *sandbox.Server, body []byte) {
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, &http.Request{
		Method:        http.MethodPost,
		URL:           importURL,
		Header:        importHeader,
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
	})
	if rec.Code != http.StatusOK {
		b.Fatalf("%d %s", rec.Code, rec.Body)
	}
}

// BenchmarkDedup is what deduplication costs an import in process: "applied"
// is a new request each time (a new Request-ID, or new bytes for the
// checksum), remembered; "replay" the same request again, answered from
// memory; "off" the same new requests without deduplication, for comparison.
func BenchmarkDedup(b *testing.B) {
	run := func(b *testing.B, cfg sandbox.Config, header func(i int) http.Header) {
		s := sandbox.New(cfg)
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, &http.Request{
				Method:        http.MethodPost,
				URL:           importURL,
				Header:        header(i),
				Body:          io.NopCloser(bytes.NewReader(benchBodies[i%len(benchBodies)])),
				ContentLength: int64(len(benchBodies[i%len(benchBodies)])),
			})
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
		}
	}
	withID := func(i int) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "Request-Id": {fmt.Sprintf("imp-1/%d", i)}}
	}
	withXID := func(i int) http.Header {
		return http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {fmt.Sprintf("imp-1/%d", i)}}
	}
	b.Run("off", func(b *testing.B) { run(b, noDedup, withID) })
	b.Run("applied/Request-ID", func(b *testing.B) { run(b, sandbox.Config{}, withID) })
	b.Run("applied/checksum", func(b *testing.B) { run(b, sandbox.Config{}, withXID) })
	b.Run("replay", func(b *testing.B) { run(b, sandbox.Config{}, func(int) http.Header { return withID(0) }) })
}
